// Listening sockets for the HTTP server, made by hand so that "::" can be IPv6-only and share a
// port with "*", and so that a failure names the address and the reason. Also what the HTTP
// and XMPP listeners share about limits: the default connection caps and the log of refusals.
#pragma once

#include "http/http_server.hpp"

#include <cadenza/log.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct event;

namespace cadenza::http {

struct ListenSocket {
    int fd = -1;  // nonblocking, listening; the caller owns it
    int port = 0; // the port bound (the kernel's choice for port 0)
};

// Opens a listening socket for `address`. Returns nullopt when `address` is "::" and the host
// has no IPv6. Throws std::runtime_error("cannot listen on http 127.0.0.1:5280: Address already
// in use") on any other failure; `service` names the listener in that message (default: http
// or https). The XMPP listeners use it too.
std::optional<ListenSocket> open_listen_socket(const ListenAddress& address,
                                               std::string_view service = {});

// "127.0.0.1:5280", "[::1]:5280", "*:5280".
std::string display_address(const ListenAddress& address);

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
// warning (or `level`); the hits that follow within `window` are counted, and one line sums them up when
// the window ends (a window with hits in it is followed by another, so a steady flood costs
// one line per window). Loop thread only; the event base must outlive it.
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
