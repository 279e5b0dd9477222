// The client listeners (c2s_ports, c2s_direct_tls_ports) and the connections they accept.
#pragma once

#include "xmpp/c2s_connection.hpp"

#include <memory>
#include <unordered_map>
#include <vector>

struct evconnlistener;
struct event;

namespace cadenza::xmpp {

class C2sServer {
public:
    explicit C2sServer(C2sContext& context);
    ~C2sServer();
    C2sServer(const C2sServer&) = delete;
    C2sServer& operator=(const C2sServer&) = delete;

    // Opens every configured listener. Throws std::runtime_error("cannot listen on c2s
    // 127.0.0.1:5222: Address already in use").
    void listen();
    std::vector<int> bound_ports() const { return ports_; }
    void close_listeners();
    // system-shutdown to every connection.
    void shut_down_all();
    // Frees a connection after the current callback returns.
    void discard(C2sConnection* connection);
    std::size_t connection_count() const { return connections_.size(); }

private:
    struct Listener {
        struct evconnlistener* listener;
        bool direct_tls;
        C2sServer* server;
    };
    void accept(evutil_socket_t fd, const struct sockaddr* address, bool direct_tls);
    void reap();

    C2sContext& context_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::vector<int> ports_;
    std::unordered_map<C2sConnection*, std::unique_ptr<C2sConnection>> connections_;
    std::vector<C2sConnection*> doomed_;
    struct event* reaper_ = nullptr;
};

} // namespace cadenza::xmpp
