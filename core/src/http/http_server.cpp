#include "http/http_server.hpp"

#include "http/event_stream.hpp"
#include "http/connection_limits.hpp"
#include "http/listen_socket.hpp"
#include "http/percent_decode.hpp"
#include "http/request.hpp"

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>

#include <openssl/ssl.h>
#include <unistd.h>

#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace cadenza::http {
namespace {

constexpr const char* kPlainText = "text/plain; charset=utf-8";

std::optional<Method> method_of(enum evhttp_cmd_type cmd) {
    switch (cmd) {
    case EVHTTP_REQ_GET:
        return Method::kGet;
    case EVHTTP_REQ_HEAD:
        return Method::kHead;
    case EVHTTP_REQ_POST:
        return Method::kPost;
    case EVHTTP_REQ_PUT:
        return Method::kPut;
    case EVHTTP_REQ_DELETE:
        return Method::kDelete;
    case EVHTTP_REQ_OPTIONS:
        return Method::kOptions;
    case EVHTTP_REQ_PATCH:
        return Method::kPatch;
    default:
        return std::nullopt;
    }
}

} // namespace

struct HttpServer::Impl {
    // One evhttp per kind of listener; the callbacks learn which from their argument.
    struct Front {
        Impl* impl = nullptr;
        bool secure = false;
        struct evhttp* http = nullptr;
    };
    struct Fresh {
        struct bufferevent* bev;
        bool over_cap;
    };
    struct Bound {
        struct evhttp* http;
        struct evhttp_bound_socket* socket;
    };

    Impl(struct event_base* b, Router& r, HttpLimits l, SSL_CTX* ctx, unsigned write_threads);
    ~Impl();

    struct evhttp* make_front(Front& front);
    void handle(struct evhttp_request* req, bool secure);
    void answer(struct evhttp_request* req, Method method, int status, std::string body,
                std::vector<Header> headers = {});
    void access_log(std::string_view method, std::string_view host, std::string_view path,
                    int status, std::string_view remote);

    static void on_request(struct evhttp_request* req, void* arg);
    static struct bufferevent* on_new_connection(struct event_base* base, void* arg);
    static void on_adopt(evutil_socket_t, short, void* arg);
    static void on_connection_closed(struct evhttp_connection* evcon, void* arg);
    static void on_stream_ended(struct evhttp_connection* evcon, void* arg);

    // evhttp's timeout restarts with every byte read, so a request sent a byte at a time
    // (slowloris) would never end. Each connection also gets a deadline: a whole request
    // within http_request_timeout of the accept or of the previous request.
    struct Deadline {
        Deadline(Impl* i, struct evhttp_connection* c) : impl(i), evcon(c) {}
        ~Deadline() {
            if (timer != nullptr) {
                event_free(timer);
            }
        }
        Deadline(const Deadline&) = delete;
        Deadline& operator=(const Deadline&) = delete;

        Impl* impl;
        struct evhttp_connection* evcon;
        struct event* timer = nullptr;
        bool served = false; // a request arrived on this connection
    };
    void start_deadline(struct evhttp_connection* evcon);
    void renew_deadline(struct evhttp_connection* evcon, bool streaming);
    static void on_deadline(evutil_socket_t, short, void* arg);

    struct event_base* base;
    Router& router;
    HttpLimits limits;
    SSL_CTX* tls;
    Logger log{"http"};
    StreamHub hub;
    TrustedProxies trusted_proxies = TrustedProxies::loopback();
    Front plain;
    Front secure;
    std::vector<Bound> bound;
    std::vector<int> ports;

    std::size_t open_connections = 0;
    std::uint64_t requests = 0;
    // Connections accepted during this loop turn; evhttp creates their connection object after
    // our bufferevent callback returns, so they get their close callback a moment later.
    std::vector<Fresh> fresh;
    struct event* adopt = nullptr;
    std::unordered_set<struct evhttp_connection*> over_cap;
    std::unordered_map<struct evhttp_connection*, std::unique_ptr<Deadline>> deadlines;
    // A limit hit in a flood logs one line per window, not one per request.
    LimitLog over_cap_log{base, log, "refused an HTTP request with 503: http_max_connections (" +
                                         std::to_string(limits.max_connections) + ") reached"};
    LimitLog too_many_log{base, log, "answered 429 Too Many Requests (a per-address limit such "
                                     "as eventsource_max_streams_per_ip)"};
    LimitLog slow_request_log{base, log,
                              "closed a connection that sent no whole request within "
                              "http_request_timeout (" +
                                  std::to_string(limits.request_timeout_seconds) + " s)",
                              LogLevel::kInfo};
};

HttpServer::Impl::Impl(struct event_base* b, Router& r, HttpLimits l, SSL_CTX* ctx,
                       unsigned write_threads)
    : base(b), router(r), limits(l), tls(ctx), hub(b, l.request_timeout_seconds, write_threads) {
    if (tls != nullptr) {
        SSL_CTX_up_ref(tls);
    }
    hub.connection_closed = &Impl::on_connection_closed;
    hub.connection_returned = &Impl::on_stream_ended;
    hub.connection_closed_arg = this;
    adopt = event_new(base, -1, 0, &Impl::on_adopt, this);
    plain.impl = this;
    secure.impl = this;
    secure.secure = true;
    if (adopt == nullptr || make_front(plain) == nullptr ||
        (tls != nullptr && make_front(secure) == nullptr)) {
        throw std::runtime_error("cannot set up the HTTP server: out of memory");
    }
}

HttpServer::Impl::~Impl() {
    hub.close_streams({}, sse::CloseReason::kShutdown);
    for (Front* f : {&plain, &secure}) {
        if (f->http != nullptr) {
            evhttp_free(f->http); // frees its connections; their close callbacks run now
        }
    }
    if (adopt != nullptr) {
        event_free(adopt);
    }
    if (tls != nullptr) {
        SSL_CTX_free(tls);
    }
}

struct evhttp* HttpServer::Impl::make_front(Front& front) {
    struct evhttp* http = evhttp_new(base);
    if (http == nullptr) {
        return nullptr;
    }
    front.http = http;
    evhttp_set_gencb(http, &Impl::on_request, &front);
    evhttp_set_bevcb(http, &Impl::on_new_connection, &front);
    // evhttp keeps the pointer: a literal lives long enough. Its own default is text/html.
    // The answers evhttp 2.1 gives by itself, before our callback (400 for a malformed or
    // oversize head, 413 for an oversize body, 501 for an unknown method), still carry its
    // fixed text/html page: 2.1 has no hook for them (evhttp_set_errorcb came in 2.2).
    evhttp_set_default_content_type(http, kPlainText);
    // TRACE and CONNECT reach us too, so that they get our plain-text 501 instead of evhttp's.
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                         EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
                                         EVHTTP_REQ_PATCH | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT);
    evhttp_set_max_headers_size(http, static_cast<ev_ssize_t>(limits.max_header_bytes));
    evhttp_set_max_body_size(http, static_cast<ev_ssize_t>(limits.max_body_bytes));
    if (limits.request_timeout_seconds > 0) {
        evhttp_set_timeout(http, limits.request_timeout_seconds);
    }
    // Read (and drop) the rest of an oversize body before answering 413, so that the client
    // sees the answer instead of a reset connection.
    evhttp_set_flags(http, EVHTTP_SERVER_LINGERING_CLOSE);
    return http;
}

struct bufferevent* HttpServer::Impl::on_new_connection(struct event_base* base, void* arg) {
    auto* front = static_cast<Front*>(arg);
    Impl& self = *front->impl;
    struct bufferevent* bev = nullptr;
    if (front->secure) {
        SSL* ssl = SSL_new(self.tls);
        if (ssl != nullptr) {
            bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                                                 BEV_OPT_CLOSE_ON_FREE);
        } else {
            self.log.error("cannot start TLS on a new https connection (out of memory?)");
        }
    }
    if (bev == nullptr) {
        // What evhttp itself would create. On a TLS port (only when TLS setup failed) the
        // client's handshake then reads as a malformed request and gets closed.
        bev = bufferevent_socket_new(base, -1, 0);
    }
    if (bev == nullptr) {
        return nullptr; // evhttp tries its own and fails the same way
    }
    ++self.open_connections;
    bool over =
        self.limits.max_connections > 0 && self.open_connections > self.limits.max_connections;
    self.fresh.push_back({bev, over});
    event_active(self.adopt, EV_TIMEOUT, 0);
    return bev;
}

void HttpServer::Impl::on_adopt(evutil_socket_t, short, void* arg) {
    Impl& self = *static_cast<Impl*>(arg);
    // evhttp set its connection as the argument of the bufferevent callbacks when it started
    // reading. Nothing can free the connection between the accept and this event: it runs in
    // the same loop turn, before any I/O on the new socket is dispatched.
    for (const Fresh& f : self.fresh) {
        void* evcon = nullptr;
        bufferevent_getcb(f.bev, nullptr, nullptr, nullptr, &evcon);
        if (evcon == nullptr) {
            continue;
        }
        auto* conn = static_cast<struct evhttp_connection*>(evcon);
        evhttp_connection_set_closecb(conn, &Impl::on_connection_closed, &self);
        if (f.over_cap) {
            self.over_cap.insert(conn);
        }
        self.start_deadline(conn);
    }
    self.fresh.clear();
}

void HttpServer::Impl::on_connection_closed(struct evhttp_connection* evcon, void* arg) {
    Impl& self = *static_cast<Impl*>(arg);
    --self.open_connections;
    if (!self.over_cap.empty()) {
        self.over_cap.erase(evcon);
    }
    self.deadlines.erase(evcon);
}

// The connection's stream ended and it may carry another request: that one has a deadline too.
void HttpServer::Impl::on_stream_ended(struct evhttp_connection* evcon, void* arg) {
    static_cast<Impl*>(arg)->renew_deadline(evcon, false);
}

void HttpServer::Impl::start_deadline(struct evhttp_connection* evcon) {
    if (limits.request_timeout_seconds <= 0) {
        return;
    }
    auto deadline = std::make_unique<Deadline>(this, evcon);
    deadline->timer = evtimer_new(base, &Impl::on_deadline, deadline.get());
    if (deadline->timer == nullptr) {
        return; // out of memory: evhttp's own idle timeout still applies
    }
    timeval tv{limits.request_timeout_seconds, 0};
    evtimer_add(deadline->timer, &tv);
    deadlines[evcon] = std::move(deadline);
}

// A request arrived: the next one has its own time. A stream owns its connection (and its
// timeouts) until it ends, so it runs without a deadline.
void HttpServer::Impl::renew_deadline(struct evhttp_connection* evcon, bool streaming) {
    auto it = deadlines.find(evcon);
    if (it == deadlines.end()) {
        return;
    }
    it->second->served = true;
    if (streaming) {
        evtimer_del(it->second->timer);
        return;
    }
    timeval tv{limits.request_timeout_seconds, 0};
    evtimer_add(it->second->timer, &tv);
}

void HttpServer::Impl::on_deadline(evutil_socket_t, short, void* arg) {
    auto* deadline = static_cast<Deadline*>(arg);
    Impl& self = *deadline->impl;
    struct evhttp_connection* evcon = deadline->evcon;
    if (!deadline->served) {
        char* peer = nullptr;
        ev_uint16_t port = 0;
        evhttp_connection_get_peer(evcon, &peer, &port);
        self.slow_request_log.hit(std::string("client ") + (peer != nullptr ? peer : "?"));
    }
    // Its close callback erases the deadline (and this timer) from the table.
    evhttp_connection_free(evcon);
}

void HttpServer::Impl::on_request(struct evhttp_request* req, void* arg) {
    auto* front = static_cast<Front*>(arg);
    try {
        front->impl->handle(req, front->secure);
    } catch (const std::exception& e) {
        // Only allocation can throw here; the request is lost, the loop must go on.
        front->impl->log.error("cannot handle an HTTP request: ", e.what());
    }
}

void HttpServer::Impl::answer(struct evhttp_request* req, Method method, int status,
                              std::string body, std::vector<Header> headers) {
    Response r = Response::text(status, std::move(body));
    r.headers = std::move(headers);
    send_response(req, r, method == Method::kHead);
}

void HttpServer::Impl::access_log(std::string_view method, std::string_view host,
                                  std::string_view path, int status, std::string_view remote) {
    if (log_enabled(LogLevel::kDebug)) {
        log.debug(method, " ", host.empty() ? "-" : host, " ", path, " ", status, " ", remote);
    }
}

void HttpServer::Impl::handle(struct evhttp_request* req, bool is_secure) {
    ++requests;
    struct evhttp_connection* evcon = evhttp_request_get_connection(req);
    renew_deadline(evcon, false);
    char* peer = nullptr;
    ev_uint16_t peer_port = 0;
    evhttp_connection_get_peer(evcon, &peer, &peer_port);
    // Copied: a stream that fails inside the handler frees the connection and its address.
    // Behind a trusted proxy, the client it forwards for.
    struct evkeyvalq* in = evhttp_request_get_input_headers(req);
    auto header = [in](const char* name) -> std::optional<std::string_view> {
        const char* value = evhttp_find_header(in, name);
        return value != nullptr ? std::optional<std::string_view>(value) : std::nullopt;
    };
    ClientOrigin origin = client_origin(peer != nullptr ? peer : "", is_secure, trusted_proxies,
                                        header("X-Forwarded-For"), header("X-Forwarded-Proto"));
    const std::string& remote = origin.address;
    const char* raw_uri = evhttp_request_get_uri(req);
    std::string_view uri_text = raw_uri != nullptr ? raw_uri : "";

    auto method = method_of(evhttp_request_get_command(req));
    const char* method_text = method ? method_name(*method) : "-";
    if (!over_cap.empty() && over_cap.count(evcon) != 0) {
        answer(req, method.value_or(Method::kGet), 503,
               "Service Unavailable: too many connections\n",
               {{"Connection", "close"}, {"Retry-After", "1"}});
        over_cap_log.hit("client " + remote);
        access_log(method_text, "", uri_text, 503, remote);
        return;
    }
    if (!method) {
        answer(req, Method::kGet, 501, "Not Implemented\n");
        access_log(method_text, "", uri_text, 501, remote);
        return;
    }
    Method m = *method;

    const struct evhttp_uri* uri = evhttp_request_get_evhttp_uri(req);
    const char* uri_path = uri != nullptr ? evhttp_uri_get_path(uri) : nullptr;
    std::string_view raw_path = uri_path != nullptr && *uri_path != '\0' ? uri_path : "/";
    std::optional<std::string> path;
    if (raw_path.front() == '/') {
        path = percent_decode_path(raw_path);
    }
    if (!path) {
        answer(req, m, 400, "Bad Request: invalid path\n");
        access_log(method_text, "", uri_text, 400, remote);
        return;
    }
    // An absolute-form target ("GET http://host/path") names the host itself (RFC 9112 3.2.2).
    const char* uri_host = uri != nullptr ? evhttp_uri_get_host(uri) : nullptr;
    const char* host_header = evhttp_find_header(evhttp_request_get_input_headers(req), "Host");
    std::string_view host = uri_host != nullptr && *uri_host != '\0' ? uri_host
                            : host_header != nullptr                 ? host_header
                                                                     : "";
    if (host.empty() && host_header == nullptr && req->major == 1 && req->minor >= 1) {
        // RFC 9112 3.2: an HTTP/1.1 request without Host is refused (1.0 ones may omit it).
        answer(req, m, 400, "Bad Request: no Host header\n");
        access_log(method_text, "", *path, 400, remote);
        return;
    }

    Router::Result route = router.route(host, m, raw_path);
    if (route.outcome == Router::Outcome::kNotFound) {
        answer(req, m, 404, "Not Found\n");
        access_log(method_text, host, *path, 404, remote);
        return;
    }
    if (route.outcome == Router::Outcome::kMethodNotAllowed) {
        answer(req, m, 405, "Method Not Allowed\n", {{"Allow", route.allow}});
        access_log(method_text, host, *path, 405, remote);
        return;
    }
    auto wildcard = percent_decode_path(route.wildcard);
    if (!wildcard) {
        answer(req, m, 400, "Bad Request: invalid path\n");
        access_log(method_text, host, *path, 400, remote);
        return;
    }

    const char* query = uri != nullptr ? evhttp_uri_get_query(uri) : nullptr;
    RequestImpl::Target target;
    target.method = m;
    target.path = *path;
    target.query = query != nullptr ? query : "";
    target.host = route.host;
    target.base_path = route.base_path;
    target.wildcard = std::move(*wildcard);
    target.mount = route.mount;
    target.remote = remote;
    target.secure = origin.secure;
    RequestImpl request(hub, req, std::move(target));

    // A copy: the handler may unmount its own routes.
    Handler handler = *route.handler;
    std::uint64_t streams_before = hub.streams_started;
    bool threw = false;
    try {
        handler(request);
    } catch (const std::exception& e) {
        threw = true;
        log.error(route.owner, ": the handler for ", method_text, " ", *path,
                  " failed: ", e.what());
    } catch (...) {
        threw = true;
        log.error(route.owner, ": the handler for ", method_text, " ", *path,
                  " failed with an unknown exception");
    }
    if (!request.answered()) {
        if (!threw) {
            log.error(route.owner, ": the handler for ", method_text, " ", *path,
                      " returned without answering");
        }
        request.respond(Response::text(500, "Internal Server Error\n"));
    }
    if (hub.streams_started != streams_before) {
        // Gone already if the stream failed at once; then so is its entry.
        renew_deadline(evcon, true);
    }
    if (request.status() == 429) {
        too_many_log.hit(std::string(method_text) + " " + *path + " from " + remote);
    }
    access_log(method_text, route.host, *path, request.status(), remote);
}

HttpServer::HttpServer(struct event_base* base, Router& router, HttpLimits limits, SSL_CTX* tls,
                       unsigned write_threads)
    : impl_(std::make_unique<Impl>(base, router, limits, tls, write_threads)) {}

HttpServer::~HttpServer() = default;

void HttpServer::set_trusted_proxies(TrustedProxies proxies) {
    impl_->trusted_proxies = std::move(proxies);
}

void HttpServer::listen(const std::vector<ListenAddress>& addresses) {
    for (const ListenAddress& a : addresses) {
        if (a.tls && impl_->tls == nullptr) {
            throw std::runtime_error("cannot listen on https " + display_address(a) +
                                     ": no TLS certificate is configured");
        }
        std::optional<ListenSocket> s = open_listen_socket(a);
        if (!s) {
            impl_->log.warn("not listening on ", display_address(a),
                            ": IPv6 is not available here");
            continue;
        }
        struct evhttp* http = a.tls ? impl_->secure.http : impl_->plain.http;
        struct evhttp_bound_socket* bound = evhttp_accept_socket_with_handle(http, s->fd);
        if (bound == nullptr) {
            ::close(s->fd);
            throw std::runtime_error(std::string("cannot listen on ") +
                                     (a.tls ? "https " : "http ") + display_address(a) +
                                     ": out of memory");
        }
        impl_->bound.push_back({http, bound});
        impl_->ports.push_back(s->port);
        impl_->log.info("listening on ", a.tls ? "https " : "http ",
                        display_address({a.interface, s->port, a.tls}));
    }
}

std::vector<int> HttpServer::bound_ports() const {
    return impl_->ports;
}

void HttpServer::close_listeners() {
    for (const auto& b : impl_->bound) {
        evhttp_del_accept_socket(b.http, b.socket); // closes the socket
    }
    impl_->bound.clear();
}

void HttpServer::close_streams(MountId mount, sse::CloseReason reason) {
    impl_->hub.close_streams([mount](const EventStreamImpl& s) { return s.mount() == mount; },
                             reason);
}

void HttpServer::close_all_streams(sse::CloseReason reason) {
    impl_->hub.close_streams({}, reason);
}

HttpServer::Stats HttpServer::stats() const {
    Stats s;
    s.open_connections = impl_->open_connections;
    s.open_streams = impl_->hub.open_streams;
    s.streams_started = impl_->hub.streams_started;
    s.overflow_closes = impl_->hub.overflow_closes;
    s.requests = impl_->requests;
    return s;
}

} // namespace cadenza::http
