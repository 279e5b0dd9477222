#include "http/connection_limits.hpp"

#include <event2/event.h>

#include <algorithm>
#include <stdexcept>

namespace cadenza::http {

ConnectionCaps default_connection_caps(std::uint64_t file_limit) {
    constexpr std::uint64_t kReserved = 64;
    std::uint64_t usable = file_limit > kReserved * 2 ? file_limit - kReserved : kReserved;
    ConnectionCaps caps;
    caps.c2s = static_cast<std::size_t>(std::max<std::uint64_t>(usable / 4, 16));
    caps.http = static_cast<std::size_t>(std::max<std::uint64_t>(usable - usable / 4, 48));
    return caps;
}

LimitLog::LimitLog(struct event_base* base, Logger log, std::string what, LogLevel level,
                   std::chrono::milliseconds window)
    : log_(std::move(log)), what_(std::move(what)), level_(level), window_(window) {
    timer_ = evtimer_new(base, &LimitLog::on_window_end, this);
    if (timer_ == nullptr) {
        throw std::runtime_error("cannot create a timer: out of memory");
    }
}

LimitLog::~LimitLog() {
    event_free(timer_);
}

void LimitLog::hit(std::string_view detail) {
    ++hits_;
    if (open_) {
        ++pending_;
        return;
    }
    log_.write(level_, what_, ": ", detail);
    open_ = true;
    pending_ = 0;
    start_window();
}

void LimitLog::start_window() {
    auto ms = window_.count();
    timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
    evtimer_add(timer_, &tv);
}

void LimitLog::on_window_end(int, short, void* arg) {
    auto& self = *static_cast<LimitLog*>(arg);
    if (self.pending_ == 0) {
        self.open_ = false;
        return;
    }
    auto ms = self.window_.count();
    self.log_.write(self.level_, self.what_, ": ", self.pending_, " more time",
                    self.pending_ == 1 ? "" : "s", " in the last ",
                    ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms");
    self.pending_ = 0;
    self.start_window();
}

} // namespace cadenza::http
