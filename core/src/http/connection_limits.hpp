// What the HTTP and XMPP listeners share about connection limits: the default caps, derived from
// the file descriptor limit, and the log of refusals that does not flood.
#pragma once

#include <cadenza/log.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

struct event;
struct event_base;

namespace cadenza::http {

// The connection caps used when http_max_connections or c2s_max_connections is not set,
// derived from the file descriptor limit: 64 descriptors stay free for storage, logs and
// listeners; client connections get a quarter of the rest, HTTP the remainder, so that both
// together never run the server out of descriptors.
struct ConnectionCaps {
    std::size_t http = 0;
    std::size_t c2s = 0;
};
ConnectionCaps default_connection_caps(std::uint64_t file_limit);

// Logs a limit that is hit again and again without flooding the log: the first hit is a
// warning (or `level`); the hits that follow within `window` are counted, and one line sums
// them up when the window ends (a window with hits in it is followed by another, so a steady
// flood costs one line per window). Loop thread only; the event base must outlive it.
class LimitLog {
public:
    static constexpr std::chrono::seconds kWindow{10};

    // `what` names the limit in every line: "refused a c2s connection (c2s_max_connections)".
    LimitLog(struct event_base* base, Logger log, std::string what,
             LogLevel level = LogLevel::kWarn, std::chrono::milliseconds window = kWindow);
    ~LimitLog();
    LimitLog(const LimitLog&) = delete;
    LimitLog& operator=(const LimitLog&) = delete;

    // One hit; `detail` (the peer, the request) is logged only with the first hit of a window.
    void hit(std::string_view detail);
    std::uint64_t hits() const { return hits_; }

private:
    static void on_window_end(int, short, void* self);
    void start_window();

    Logger log_;
    std::string what_;
    LogLevel level_;
    std::chrono::milliseconds window_;
    struct event* timer_ = nullptr;
    bool open_ = false;       // a window is running
    std::uint64_t pending_ = 0; // hits not yet logged in this window
    std::uint64_t hits_ = 0;
};

} // namespace cadenza::http
