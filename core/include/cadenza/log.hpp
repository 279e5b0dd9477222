// Logging: levels and a tag ("host/module") on every line.
//
// A Logger is a small value; copy it freely. Lines go to the sinks configured by the `log`
// option (stderr by default). Writing is synchronous and never throws.
//
//   log.info("loaded ", count, " nodes");   // arguments are streamed with operator<<
#pragma once

#include <sstream>
#include <string>
#include <string_view>
#include <utility>

namespace cadenza {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

const char* log_level_name(LogLevel level); // "debug", "info", "warn", "error"

// True when some sink takes lines of this level: check before building an expensive message.
bool log_enabled(LogLevel level);
// Writes one line to every sink that takes `level`.
void log_write(LogLevel level, std::string_view tag, std::string_view message);

class Logger {
public:
    Logger() = default;
    explicit Logger(std::string tag) : tag_(std::move(tag)) {}

    const std::string& tag() const { return tag_; }

    template <typename... Args> void debug(Args&&... args) const {
        write(LogLevel::kDebug, std::forward<Args>(args)...);
    }
    template <typename... Args> void info(Args&&... args) const {
        write(LogLevel::kInfo, std::forward<Args>(args)...);
    }
    template <typename... Args> void warn(Args&&... args) const {
        write(LogLevel::kWarn, std::forward<Args>(args)...);
    }
    template <typename... Args> void error(Args&&... args) const {
        write(LogLevel::kError, std::forward<Args>(args)...);
    }

    template <typename... Args> void write(LogLevel level, Args&&... args) const {
        if (!log_enabled(level)) {
            return;
        }
        if constexpr (sizeof...(Args) == 1 &&
                      (std::is_convertible_v<Args, std::string_view> && ...)) {
            log_write(level, tag_, std::string_view(args...));
        } else {
            std::ostringstream out;
            (out << ... << std::forward<Args>(args));
            log_write(level, tag_, out.str());
        }
    }

private:
    std::string tag_;
};

} // namespace cadenza
