// The evaluated configuration: Prosody's config syntax, run by Lua 5.4 in a sandbox, turned into
// plain C++ data. After load_config_file() returns, no Lua state remains.
#pragma once

#include <cadenza/config.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::config {

enum class SectionKind { kGlobal, kVirtualHost, kComponent };

// The global section ("*") or one host's section.
struct Section {
    std::string name; // "*" for the global section; the host name otherwise
    SectionKind kind = SectionKind::kGlobal;
    std::string component_module; // Component "name" "module": the module; empty otherwise
    ConfigValue::Map options;     // options assigned in this section
    SourceLocation where;         // the VirtualHost/Component line

    // `enabled = false` turns a host off (Prosody).
    bool enabled() const;
};

struct Config {
    std::string path;               // the main file, as given
    Section global;                 // name "*"
    std::vector<Section> hosts;     // in the order they first appear
    std::vector<std::string> files; // every file evaluated: the main file and its Includes
    // Harmless oddities worth telling the operator ("file:line: ..."), e.g. an option set twice
    // in one section; for `cadenzactl check config` to show.
    std::vector<std::string> warnings;

    const Section* find_host(std::string_view name) const;
};

// Bounds on evaluating a config, so a runaway config stops with a clear error.
struct EvalLimits {
    std::uint64_t max_instructions = 50'000'000;    // Lua VM instructions, Includes included
    std::size_t max_memory = std::size_t{64} << 20; // bytes held by the Lua state
    int max_include_depth = 16;                     // Include inside Include inside ...
};

// Evaluates a config file. Throws ConfigError("file:line: message") on a syntax or runtime
// error, an unknown host type, a missing Include or a value that cannot be converted.
Config load_config_file(const std::string& path, const EvalLimits& limits = {});
// The same for text in memory; `chunk_name` stands for the file name in messages, and
// relative Include paths are taken relative to `base_dir`.
Config load_config_string(std::string_view text, const std::string& chunk_name,
                          const std::string& base_dir = ".", const EvalLimits& limits = {});

// Options of one section with fallback to the global section. Holds pointers: the Config
// must outlive it.
class SectionOptions final : public Options {
public:
    SectionOptions(const Section* host, const Section& global) : host_(host), global_(global) {}
    const ConfigValue* find(std::string_view name) const override;
    const ConfigValue* find_own(std::string_view name) const override;
    const std::string& host() const override;

private:
    const Section* host_; // nullptr for the global view
    const Section& global_;
};

} // namespace cadenza::config
