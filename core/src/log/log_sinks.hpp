// Where log lines go: stderr, files and syslog, each taking lines from a minimum level up.
// Configured once at start-up (server/log_config.cpp turns the `log` option into sinks) and
// reopened on SIGHUP. Writing is serialised by a mutex, so any thread may log.
#pragma once

#include <cadenza/log.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::logging {

struct SinkSpec {
    enum class Kind { kStderr, kFile, kSyslog };
    Kind kind = Kind::kStderr;
    LogLevel min_level = LogLevel::kInfo;
    std::string path; // for kFile
};

// Replaces every sink. Files are opened for appending; throws std::runtime_error naming the
// file when one cannot be opened (the old sinks stay then).
void set_sinks(const std::vector<SinkSpec>& sinks);
// Closes and reopens every file sink (after log rotation). Failures are reported on stderr.
void reopen_files();
// The default: stderr from `min_level` up.
void reset_to_stderr(LogLevel min_level);

// For tests: while set, every line of every level is also passed to `capture` (called under the
// logging mutex, so it must not log). An empty function removes the capture.
using CaptureFunction = std::function<void(LogLevel, std::string_view tag, std::string_view msg)>;
void set_capture(CaptureFunction capture);

} // namespace cadenza::logging
