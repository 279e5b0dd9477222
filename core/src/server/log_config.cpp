#include "server/log_config.hpp"

#include "server/paths.hpp"

#include <optional>

namespace cadenza {
namespace {

using logging::SinkSpec;

[[noreturn]] void bad_log(const ConfigValue& v, const std::string& why) {
    throw ConfigError("option 'log' (" + v.where.str() + "): " + why);
}

std::optional<LogLevel> level_by_name(std::string_view name) {
    if (name == "debug") {
        return LogLevel::kDebug;
    }
    if (name == "info") {
        return LogLevel::kInfo;
    }
    if (name == "warn" || name == "warning") {
        return LogLevel::kWarn;
    }
    if (name == "error") {
        return LogLevel::kError;
    }
    return std::nullopt;
}

SinkSpec sink_from_target(const std::string& target, LogLevel level,
                          const std::string& config_file) {
    if (target == "*console" || target == "*stderr" || target == "*stdout") {
        return {SinkSpec::Kind::kStderr, level, {}};
    }
    if (target == "*syslog") {
        return {SinkSpec::Kind::kSyslog, level, {}};
    }
    return {SinkSpec::Kind::kFile, level, resolve_config_path(config_file, target)};
}

// Prosody's advanced form: { levels = { min = "info" } or { "debug", "info" }, to = "file",
// filename = "x.log" }.
SinkSpec sink_from_table(const ConfigValue& entry, const std::string& config_file) {
    const auto& t = entry.as_table();
    LogLevel level = LogLevel::kInfo;
    if (auto it = t.map.find("levels"); it != t.map.end()) {
        if (!it->second.is_table()) {
            bad_log(entry, "'levels' must be a table");
        }
        const auto& levels = it->second.as_table();
        std::optional<LogLevel> lowest;
        if (auto min = levels.map.find("min"); min != levels.map.end()) {
            if (min->second.is_string()) {
                lowest = level_by_name(min->second.as_string());
            }
        }
        for (const auto& l : levels.array) {
            auto parsed = l.is_string() ? level_by_name(l.as_string()) : std::nullopt;
            if (parsed && (!lowest || *parsed < *lowest)) {
                lowest = parsed;
            }
        }
        if (!lowest) {
            bad_log(entry, "'levels' names no known level (debug, info, warn, error)");
        }
        level = *lowest;
    }
    std::string to = "console";
    if (auto it = t.map.find("to"); it != t.map.end() && it->second.is_string()) {
        to = it->second.as_string();
    }
    if (to == "console") {
        return {SinkSpec::Kind::kStderr, level, {}};
    }
    if (to == "syslog") {
        return {SinkSpec::Kind::kSyslog, level, {}};
    }
    if (to == "file") {
        auto it = t.map.find("filename");
        if (it == t.map.end() || !it->second.is_string()) {
            bad_log(entry, "a file sink needs 'filename'");
        }
        return {SinkSpec::Kind::kFile, level, resolve_config_path(config_file, it->second.as_string())};
    }
    bad_log(entry, "unknown sink '" + to + "' (console, file or syslog)");
}

} // namespace

std::vector<SinkSpec> parse_log_option(const ConfigValue* log, const std::string& config_file) {
    if (log == nullptr) {
        return {{SinkSpec::Kind::kStderr, LogLevel::kInfo, {}}};
    }
    if (log->is_string()) {
        return {sink_from_target(log->as_string(), LogLevel::kInfo, config_file)};
    }
    if (!log->is_table()) {
        bad_log(*log, std::string("must be a string or a table, not a ") + log->type_name());
    }
    std::vector<SinkSpec> sinks;
    const auto& table = log->as_table();
    for (const auto& [key, value] : table.map) {
        auto level = level_by_name(key);
        if (!level) {
            bad_log(*log, "unknown level '" + key + "' (debug, info, warn, error)");
        }
        if (!value.is_string()) {
            bad_log(*log, "the sink for level '" + key + "' must be a string");
        }
        sinks.push_back(sink_from_target(value.as_string(), *level, config_file));
    }
    for (const auto& entry : table.array) {
        if (entry.is_string()) {
            sinks.push_back(sink_from_target(entry.as_string(), LogLevel::kInfo, config_file));
        } else if (entry.is_table()) {
            sinks.push_back(sink_from_table(entry, config_file));
        } else {
            bad_log(*log, "list entries must be sink names or sink tables");
        }
    }
    if (sinks.empty()) {
        bad_log(*log, "names no sink");
    }
    return sinks;
}

} // namespace cadenza
