#include "config/config_files.hpp"

#include <cadenza/config.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <glob.h>
#include <memory>

namespace cadenza::config::files {
namespace {

// A config, an included file or a secret is small; this stops FileContents "/dev/zero".
constexpr std::size_t kMaxFileSize = std::size_t{16} << 20;

} // namespace

std::string directory_of(std::string_view path) {
    auto slash = path.rfind('/');
    if (slash == std::string_view::npos) {
        return {};
    }
    return std::string(path.substr(0, slash == 0 ? 1 : slash));
}

std::string resolve(std::string_view base_dir, std::string_view path) {
    if (path.empty() || path.front() == '/' || base_dir.empty() || base_dir == ".") {
        return std::string(path);
    }
    std::string joined(base_dir);
    if (joined.back() != '/') {
        joined += '/';
    }
    joined += path;
    return joined;
}

bool has_wildcard(std::string_view pattern) {
    return pattern.find_first_of("*?[") != std::string_view::npos;
}

std::vector<std::string> expand_glob(const std::string& pattern) {
    glob_t matches{};
    // GLOB_MARK ends directories with '/', so they can be left out.
    int rc = ::glob(pattern.c_str(), GLOB_MARK, nullptr, &matches);
    std::unique_ptr<glob_t, void (*)(glob_t*)> release(&matches, &::globfree);
    if (rc == GLOB_NOMATCH) {
        return {};
    }
    if (rc != 0) {
        throw ConfigError("cannot expand '" + pattern + "'" +
                          (rc == GLOB_NOSPACE ? ": out of memory" : ": read error"));
    }
    std::vector<std::string> paths;
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
        std::string_view path = matches.gl_pathv[i];
        if (!path.empty() && path.back() != '/') {
            paths.emplace_back(path);
        }
    }
    return paths;
}

std::string read_file(const std::string& path) {
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rbe"),
                                                         &std::fclose);
    if (!file) {
        throw ConfigError("cannot read '" + path + "': " + std::strerror(errno));
    }
    std::string content;
    char buffer[16384];
    std::size_t got = 0;
    while ((got = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
        content.append(buffer, got);
        if (content.size() > kMaxFileSize) {
            throw ConfigError("cannot read '" + path + "': larger than 16 MiB");
        }
    }
    if (std::ferror(file.get()) != 0) {
        throw ConfigError("cannot read '" + path + "': " + std::strerror(errno));
    }
    return content;
}

} // namespace cadenza::config::files
