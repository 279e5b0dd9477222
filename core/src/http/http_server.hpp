// The HTTP server: evhttp listeners (plain and TLS), routing through the Router, answers and
// Server-Sent Event streams.
//
// Designed around evhttp 2.1's pitfalls: its connection timeout also acts as a read timeout
// (an open event stream must not be cut by it), it has no connection cap, and its default
// Content-Type is text/html.
#pragma once

#include "http/forwarded.hpp"
#include "http/router.hpp"

#include <cadenza/sse.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

struct event_base;
typedef struct ssl_ctx_st SSL_CTX;

namespace cadenza::http {

struct ListenAddress {
    std::string interface; // "127.0.0.1", "::1", "*" (all IPv4), "::" (all IPv6)
    int port = 0;
    bool tls = false;
};

struct HttpLimits {
    std::size_t max_header_bytes = 16 * 1024;  // request line + headers; over it: 413/400
    std::size_t max_body_bytes = 1024 * 1024;  // over it: 413
    int request_timeout_seconds = 30;          // to read a whole request (slowloris)
    std::size_t max_connections = 0;           // 0: no cap; over it: 503 and close
};

class HttpServer {
public:
    // `tls` may be null when there are no TLS listeners; the server takes its own reference.
    // `write_threads` write event streams at the end of a loop turn (WritePool), counting the
    // loop thread.
    HttpServer(struct event_base* base, Router& router, HttpLimits limits, SSL_CTX* tls,
               unsigned write_threads = 1);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    // Peers whose X-Forwarded-For and X-Forwarded-Proto are believed (trusted_proxies); the
    // loopback addresses until set.
    void set_trusted_proxies(TrustedProxies proxies);

    // Binds every address. Throws std::runtime_error("cannot listen on http 127.0.0.1:5280:
    // Address already in use") on the first failure.
    void listen(const std::vector<ListenAddress>& addresses);
    // The ports actually bound, one per listening socket in listen() order (an address given
    // with port 0 gets one from the kernel; a skipped "::" has none).
    std::vector<int> bound_ports() const;
    // Stops accepting; open requests and streams continue.
    void close_listeners();
    // Closes the event streams that routes of `mount` started (module unload).
    void close_streams(MountId mount, sse::CloseReason reason);
    void close_all_streams(sse::CloseReason reason);

    struct Stats {
        std::size_t open_connections = 0;
        std::size_t open_streams = 0;
        std::uint64_t streams_started = 0;
        std::uint64_t overflow_closes = 0; // streams closed for passing their unsent-bytes cap
        std::uint64_t requests = 0;
    };
    Stats stats() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace cadenza::http
