#include "xmpp/c2s_server.hpp"

#include "http/connection_limits.hpp"
#include "http/listen_socket.hpp"
#include "server/server_context.hpp"

#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
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

// libevent refills the buckets every tick; a quarter second keeps a throttled connection's
// pace smooth without waking the loop often.
constexpr int kTickMs = 250;

C2sServer::ReadBucket make_bucket(const ReadRate& rate) {
    C2sServer::ReadBucket bucket;
    if (rate.bytes_per_second == 0) {
        return bucket;
    }
    const std::uint64_t cap = EV_RATE_LIMIT_MAX;
    std::uint64_t per_tick =
        std::clamp<std::uint64_t>(rate.bytes_per_second * kTickMs / 1000, 1, cap);
    std::uint64_t burst = std::clamp<std::uint64_t>(rate.burst_bytes(), per_tick, cap);
    timeval tick{0, kTickMs * 1000};
    bucket.config = ev_token_bucket_cfg_new(per_tick, burst, EV_RATE_LIMIT_MAX,
                                            EV_RATE_LIMIT_MAX, &tick);
    if (bucket.config == nullptr) {
        throw std::runtime_error("cannot set up the c2s read rate limit");
    }
    bucket.bytes_per_second = rate.bytes_per_second;
    bucket.burst_bytes = burst;
    return bucket;
}

void free_bucket(C2sServer::ReadBucket& bucket) {
    if (bucket.config != nullptr) {
        ev_token_bucket_cfg_free(bucket.config);
        bucket.config = nullptr;
    }
}

std::uint64_t file_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) {
        return 1024 * 1024;
    }
    return limit.rlim_cur;
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
    connections_.clear(); // before the buckets they use
    event_free(reaper_);
    free_bucket(unauthenticated_bucket_);
    free_bucket(authenticated_bucket_);
}

void C2sServer::read_limits() {
    const Options& global = context_.server.global_options;
    std::uint64_t files = file_limit();
    auto cap = global.get_int("c2s_max_connections", 0, 0, 10'000'000);
    max_connections_ = cap > 0 ? static_cast<std::size_t>(cap)
                               : http::default_connection_caps(files).c2s;
    ReadLimits limits = read_read_limits(global);
    free_bucket(unauthenticated_bucket_);
    free_bucket(authenticated_bucket_);
    unauthenticated_bucket_ = make_bucket(limits.unauthenticated);
    authenticated_bucket_ = make_bucket(limits.authenticated);
    full_log_ = std::make_unique<http::LimitLog>(
        context_.server.base, kLog,
        "refused a client connection with <resource-constraint/>: c2s_max_connections (" +
            std::to_string(max_connections_) + ") reached");
    kLog.info("client connections capped at ", max_connections_,
              cap > 0 ? "" : " (c2s_max_connections, from the file descriptor limit)",
              "; reading at most ", limits.unauthenticated.bytes_per_second,
              " B/s before authentication, ", limits.authenticated.bytes_per_second,
              " B/s after (limits; 0: no limit)");
}

void C2sServer::listen() {
    read_limits();
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
    bool full = max_connections_ > 0 && connections_.size() >= max_connections_;
    std::string peer = describe_peer(address);
    auto connection = std::make_unique<C2sConnection>(context_, fd, peer, direct_tls);
    C2sConnection* raw = connection.get();
    connections_.emplace(raw, std::move(connection));
    if (full) {
        // Said on the stream (after our header), so the client knows to try again later.
        full_log_->hit("client " + peer);
        raw->close_with_error("resource-constraint", "too many connections; try again later");
    }
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
