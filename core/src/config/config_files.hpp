// File-system helpers for the config evaluator: paths relative to a config file, Include
// globs, reading whole files. Errors are ConfigError messages without a location; the caller
// adds "file:line: ".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cadenza::config::files {

// The directory part of `path` ("" when it has none; "/" for "/x").
std::string directory_of(std::string_view path);
// `path` relative to `base_dir`, unless it is absolute or base_dir is "" or ".".
std::string resolve(std::string_view base_dir, std::string_view path);
// True when `pattern` has a glob wildcard (*, ? or [).
bool has_wildcard(std::string_view pattern);
// The files (not directories) matching a glob pattern, sorted; none is not an error. Hidden
// files match only when the pattern says so (glob(3) rules).
std::vector<std::string> expand_glob(const std::string& pattern);
// The whole file. Throws ConfigError("cannot read 'path': reason").
std::string read_file(const std::string& path);

} // namespace cadenza::config::files
