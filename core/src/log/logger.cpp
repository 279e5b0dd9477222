#include "log/log_sinks.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <syslog.h>

namespace cadenza {
namespace {

struct Sink {
    logging::SinkSpec spec;
    std::FILE* file = nullptr; // for kFile

    ~Sink() {
        if (file != nullptr) {
            std::fclose(file);
        }
    }
};

struct Registry {
    std::mutex mutex;
    std::vector<std::unique_ptr<Sink>> sinks;
    LogLevel lowest = LogLevel::kInfo; // the lowest level any sink (or the capture) takes
    bool syslog_open = false;
    logging::CaptureFunction capture;
};

Registry& registry() {
    static Registry* r = [] {
        auto* reg = new Registry; // never destroyed: logging works until the very end
        auto sink = std::make_unique<Sink>();
        reg->sinks.push_back(std::move(sink));
        return reg;
    }();
    return *r;
}

std::FILE* open_log_file(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "ae");
    if (f == nullptr) {
        throw std::runtime_error("cannot open log file " + path + ": " + std::strerror(errno));
    }
    std::setvbuf(f, nullptr, _IOLBF, 0);
    return f;
}

int syslog_priority(LogLevel level) {
    switch (level) {
    case LogLevel::kDebug:
        return LOG_DEBUG;
    case LogLevel::kInfo:
        return LOG_INFO;
    case LogLevel::kWarn:
        return LOG_WARNING;
    case LogLevel::kError:
        return LOG_ERR;
    }
    return LOG_INFO;
}

void recompute_lowest(Registry& r) {
    LogLevel lowest = LogLevel::kError;
    for (const auto& s : r.sinks) {
        if (s->spec.min_level < lowest) {
            lowest = s->spec.min_level;
        }
    }
    r.lowest = r.capture ? LogLevel::kDebug : lowest;
}

} // namespace

const char* log_level_name(LogLevel level) {
    switch (level) {
    case LogLevel::kDebug:
        return "debug";
    case LogLevel::kInfo:
        return "info";
    case LogLevel::kWarn:
        return "warn";
    case LogLevel::kError:
        return "error";
    }
    return "?";
}

bool log_enabled(LogLevel level) { return level >= registry().lowest; }

void log_write(LogLevel level, std::string_view tag, std::string_view message) {
    Registry& r = registry();
    if (level < r.lowest) {
        return;
    }
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);

    std::lock_guard lock(r.mutex);
    if (r.capture) {
        r.capture(level, tag, message);
    }
    for (const auto& s : r.sinks) {
        if (level < s->spec.min_level) {
            continue;
        }
        switch (s->spec.kind) {
        case logging::SinkSpec::Kind::kStderr:
        case logging::SinkSpec::Kind::kFile: {
            std::FILE* out = s->spec.kind == logging::SinkSpec::Kind::kFile ? s->file : stderr;
            if (out == nullptr) {
                break;
            }
            std::fprintf(out, "%s %-5s %.*s%s%.*s\n", stamp, log_level_name(level),
                         static_cast<int>(tag.size()), tag.data(), tag.empty() ? "" : ": ",
                         static_cast<int>(message.size()), message.data());
            break;
        }
        case logging::SinkSpec::Kind::kSyslog:
            syslog(syslog_priority(level), "%.*s%s%.*s", static_cast<int>(tag.size()),
                   tag.data(), tag.empty() ? "" : ": ", static_cast<int>(message.size()),
                   message.data());
            break;
        }
    }
}

namespace logging {

void set_sinks(const std::vector<SinkSpec>& specs) {
    std::vector<std::unique_ptr<Sink>> fresh;
    bool wants_syslog = false;
    for (const auto& spec : specs) {
        auto sink = std::make_unique<Sink>();
        sink->spec = spec;
        if (spec.kind == SinkSpec::Kind::kFile) {
            sink->file = open_log_file(spec.path);
        }
        wants_syslog = wants_syslog || spec.kind == SinkSpec::Kind::kSyslog;
        fresh.push_back(std::move(sink));
    }
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (wants_syslog && !r.syslog_open) {
        openlog("cadenza", LOG_PID, LOG_DAEMON);
        r.syslog_open = true;
    }
    r.sinks.swap(fresh);
    recompute_lowest(r);
}

void reopen_files() {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    for (auto& s : r.sinks) {
        if (s->spec.kind != SinkSpec::Kind::kFile) {
            continue;
        }
        std::FILE* f = std::fopen(s->spec.path.c_str(), "ae");
        if (f == nullptr) {
            std::fprintf(stderr, "cannot reopen log file %s: %s\n", s->spec.path.c_str(),
                         std::strerror(errno));
            continue;
        }
        std::setvbuf(f, nullptr, _IOLBF, 0);
        if (s->file != nullptr) {
            std::fclose(s->file);
        }
        s->file = f;
    }
}

void reset_to_stderr(LogLevel min_level) {
    set_sinks({SinkSpec{SinkSpec::Kind::kStderr, min_level, {}}});
}

void set_capture(CaptureFunction capture) {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    r.capture = std::move(capture);
    recompute_lowest(r);
}

} // namespace logging
} // namespace cadenza
