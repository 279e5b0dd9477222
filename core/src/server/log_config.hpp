// Turns the `log` option (Prosody's forms) into log sinks.
//
//   log = "*console"                          -- stderr, info and above (the default)
//   log = "cadenza.log"                       -- a file, info and above
//   log = "*syslog"
//   log = { info = "cadenza.log", error = "*syslog", debug = "*console" }  -- level and above
//   log = { { levels = { min = "debug" }, to = "file", filename = "debug.log" } }
#pragma once

#include "log/log_sinks.hpp"

#include <cadenza/config.hpp>

#include <string>
#include <vector>

namespace cadenza {

// Throws ConfigError (with file:line) for a malformed value or an unknown level or sink.
std::vector<logging::SinkSpec> parse_log_option(const ConfigValue* log,
                                                const std::string& config_file);

} // namespace cadenza
