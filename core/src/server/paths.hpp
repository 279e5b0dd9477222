// Relative paths in the configuration (data_path, log files, pidfile, certificates, plugin
// paths) are taken relative to the directory of the main config file, as Prosody does.
#pragma once

#include <filesystem>
#include <string>

namespace cadenza {

inline std::string resolve_config_path(const std::string& config_file, const std::string& path) {
    std::filesystem::path p(path);
    if (p.is_absolute() || path.empty()) {
        return path;
    }
    std::filesystem::path base = std::filesystem::path(config_file).parent_path();
    return (base / p).lexically_normal().string();
}

} // namespace cadenza
