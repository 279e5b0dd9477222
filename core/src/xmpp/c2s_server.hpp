// The client listeners (c2s_ports, c2s_direct_tls_ports) and the connections they accept.
#pragma once

#include "http/connection_limits.hpp"
#include "xmpp/c2s_connection.hpp"
#include "xmpp/read_limits.hpp"

#include <memory>
#include <unordered_map>
#include <vector>

struct evconnlistener;
struct event;
struct ev_token_bucket_cfg;

namespace cadenza::xmpp {

class C2sServer {
public:
    explicit C2sServer(C2sContext& context);
    ~C2sServer();
    C2sServer(const C2sServer&) = delete;
    C2sServer& operator=(const C2sServer&) = delete;

    // Reads the connection limits (c2s_max_connections, limits) and opens every configured
    // listener. Throws std::runtime_error("cannot listen on c2s 127.0.0.1:5222: Address
    // already in use"), or ConfigError for a bad limit.
    void listen();
    std::vector<int> bound_ports() const { return ports_; }
    void close_listeners();
    // system-shutdown to every connection.
    void shut_down_all();
    // Frees a connection after the current callback returns.
    void discard(C2sConnection* connection);
    std::size_t connection_count() const { return connections_.size(); }
    std::size_t max_connections() const { return max_connections_; }

    // The read rate limit for a connection before or after authentication, with the burst a
    // fresh bucket starts with; a null bucket when that rate is unlimited (or before listen()).
    struct ReadBucket {
        struct ev_token_bucket_cfg* config = nullptr; // owned by the server
        std::uint64_t bytes_per_second = 0;
        std::uint64_t burst_bytes = 0;
    };
    const ReadBucket& read_bucket(bool authenticated) const {
        return authenticated ? authenticated_bucket_ : unauthenticated_bucket_;
    }

private:
    struct Listener {
        struct evconnlistener* listener;
        bool direct_tls;
        C2sServer* server;
    };
    void accept(evutil_socket_t fd, const struct sockaddr* address, bool direct_tls);
    void reap();
    void read_limits();

    C2sContext& context_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::vector<int> ports_;
    std::unordered_map<C2sConnection*, std::unique_ptr<C2sConnection>> connections_;
    std::vector<C2sConnection*> doomed_;
    struct event* reaper_ = nullptr;
    std::size_t max_connections_ = 0; // 0 until listen(): no cap
    std::unique_ptr<http::LimitLog> full_log_;
    ReadBucket unauthenticated_bucket_;
    ReadBucket authenticated_bucket_;
};

} // namespace cadenza::xmpp
