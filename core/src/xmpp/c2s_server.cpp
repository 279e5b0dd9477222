#include "xmpp/c2s_server.hpp"

#include "http/listen_socket.hpp"
#include "server/server_context.hpp"

#include <event2/event.h>
#include <event2/listener.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>

#include <stdexcept>

namespace cadenza::xmpp {
namespace {

const Logger kLog("c2s");

std::string describe_peer(const struct sockaddr* address) {
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (address->sa_family == AF_INET) {
        const auto* in = reinterpret_cast<const sockaddr_in*>(address);
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
    } else if (address->sa_family == AF_INET6) {
        const auto* in6 = reinterpret_cast<const sockaddr_in6*>(address);
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
    }
    return std::string(host) + ":" + std::to_string(port);
}

} // namespace

C2sServer::C2sServer(C2sContext& context) : context_(context) {
    context_.owner = this;
    reaper_ = event_new(
        context_.server.base, -1, 0,
        [](evutil_socket_t, short, void* self) { static_cast<C2sServer*>(self)->reap(); }, this);
}

C2sServer::~C2sServer() {
    close_listeners();
    connections_.clear();
    event_free(reaper_);
}

void C2sServer::listen() {
    for (const auto& address : context_.settings.addresses) {
        if (address.tls && context_.tls == nullptr) {
            throw std::runtime_error("cannot listen on c2s_direct_tls_ports " +
                                     http::display_address(address) + ": no certificate (ssl)");
        }
        auto socket = http::open_listen_socket(address, address.tls ? "c2s direct TLS" : "c2s");
        if (!socket) {
            kLog.warn("no IPv6 on this host: not listening on ", http::display_address(address));
            continue;
        }
        auto listener = std::make_unique<Listener>();
        listener->direct_tls = address.tls;
        listener->server = this;
        listener->listener = evconnlistener_new(
            context_.server.base,
            [](struct evconnlistener*, evutil_socket_t fd, struct sockaddr* peer, int,
               void* arg) {
                auto* l = static_cast<Listener*>(arg);
                l->server->accept(fd, peer, l->direct_tls);
            },
            listener.get(), LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, socket->fd);
        if (listener->listener == nullptr) {
            ::close(socket->fd);
            throw std::runtime_error("cannot listen on c2s " + http::display_address(address));
        }
        ports_.push_back(socket->port);
        listeners_.push_back(std::move(listener));
    }
}

void C2sServer::close_listeners() {
    for (auto& l : listeners_) {
        evconnlistener_free(l->listener);
    }
    listeners_.clear();
}

void C2sServer::accept(evutil_socket_t fd, const struct sockaddr* address, bool direct_tls) {
    auto connection =
        std::make_unique<C2sConnection>(context_, fd, describe_peer(address), direct_tls);
    C2sConnection* raw = connection.get();
    connections_.emplace(raw, std::move(connection));
}

void C2sServer::shut_down_all() {
    std::vector<C2sConnection*> all;
    for (auto& [raw, owned] : connections_) {
        all.push_back(raw);
    }
    for (C2sConnection* c : all) {
        c->shut_down();
    }
}

void C2sServer::discard(C2sConnection* connection) {
    doomed_.push_back(connection);
    event_active(reaper_, EV_TIMEOUT, 0);
}

void C2sServer::reap() {
    std::vector<C2sConnection*> doomed;
    doomed.swap(doomed_);
    for (C2sConnection* c : doomed) {
        connections_.erase(c);
    }
}

} // namespace cadenza::xmpp
