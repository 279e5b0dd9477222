// Fuzzes HTTP request-target and header handling up to route dispatch, in process.
//
// The input is a raw request head ("GET /path?q HTTP/1.1\r\nHost: ...\r\n\r\nbody"). evhttp's
// own reading of the bytes is libevent's code; this target starts where Cadenza's starts, with
// what evhttp hands over: the method, the target parsed as evhttp parses it
// (evhttp_uri_parse_with_flags, EVHTTP_URI_NONCONFORMANT), the header list and the body. It then
// follows HttpServer's request handler step by step (the steps are not separable from its
// libevent callback): path decoding, the Host choice (absolute-form target first), Router::route
// against a route table like a running server's, the wildcard decoding, and the RequestImpl a
// handler sees (query(), query_all(), header(), body()), and the request headers the
// eventsource modules read in their handlers: Authorization (HTTP Basic), Last-Event-ID and
// Origin (CORS), with the JSON quoting they put event data through.
//
// Checked: a found route's base path and wildcard are really a prefix and a suffix of the path;
// the Host is case-insensitive and a :port does not change the route; percent-decoding inverts
// percent-encoding; the query and header accessors give what was sent; Basic authentication
// lets in only juliet@localhost with her password; JSON quoting always gives valid JSON, which
// reads back as the text when that is valid UTF-8.
#include "http/event_stream.hpp"
#include "http/forwarded.hpp"
#include "http/percent_decode.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "log/log_sinks.hpp"

#include <cadenza/accounts.hpp>
#include <cadenza/eventsource.hpp>

#include <event2/buffer.h>
#include <nlohmann/json.hpp>
#include <event2/event.h>
#include <event2/http.h>

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

using cadenza::http::Method;
using cadenza::http::Router;

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "http_request_fuzz: %s\n  %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

// What a handler saw, so the target can check it.
struct Seen {
    std::string label;
    cadenza::http::Request* request = nullptr;
};

// One account, juliet@localhost / pencil. No storage: this target is about parsing.
class FixedAccounts final : public cadenza::Accounts {
public:
    bool is_local_domain(std::string_view domain) const override { return domain == "localhost"; }
    bool exists(const cadenza::Jid& bare) override { return bare.str() == "juliet@localhost"; }
    bool verify_password(const cadenza::Jid& bare, std::string_view password) override {
        return exists(bare) && password == "pencil";
    }
    bool is_subscribed_to(const cadenza::Jid&, const cadenza::Jid&) override { return false; }
    bool in_roster(const cadenza::Jid&, const cadenza::Jid&) override { return false; }
};

bool valid_utf8(std::string_view text) {
    try {
        (void)nlohmann::json(std::string(text)).dump();
        return true;
    } catch (const nlohmann::json::exception&) {
        return false;
    }
}

void check_json_string(std::string_view text) {
    std::string quoted = cadenza::eventsource::json_string(text);
    nlohmann::json parsed;
    try {
        parsed = nlohmann::json::parse(quoted);
    } catch (const nlohmann::json::exception&) {
        fail("json_string() gave invalid JSON", quoted);
    }
    if (!parsed.is_string()) {
        fail("json_string() gave something else than a string", quoted);
    }
    if (valid_utf8(text) && parsed.get<std::string>() != text) {
        fail("json_string() changed valid UTF-8 text", quoted);
    }
}

// What the eventsource handlers read from the request headers.
void check_eventsource_headers(const cadenza::http::Request& request) {
    static FixedAccounts accounts;
    auto auth = cadenza::eventsource::authenticate(request, accounts, true);
    using Status = cadenza::eventsource::Auth::Status;
    if (auth.status == Status::kUser && (!auth.jid || auth.jid->str() != "juliet@localhost")) {
        fail("Basic authentication let in someone else", auth.jid ? auth.jid->str() : "");
    }
    if (auth.status == Status::kAnonymous && request.header("Authorization")) {
        fail("an Authorization header was ignored", *request.header("Authorization"));
    }
    auto insecure = cadenza::eventsource::authenticate(request, accounts, false);
    if (insecure.status == Status::kUser) {
        fail("Basic authentication on plain HTTP without allow_insecure", "");
    }
    std::string id = cadenza::eventsource::last_event_id(request);
    check_json_string(id);
    check_json_string(request.wildcard());
    static const cadenza::eventsource::Cors cors({"https://allowed.example", "*"});
    static const cadenza::eventsource::Cors strict({"https://allowed.example"});
    (void)cors.headers(request);
    auto headers = strict.headers(request);
    auto origin = request.header("Origin");
    if (!headers.empty() && (!origin || *origin != "https://allowed.example")) {
        fail("CORS allowed an origin that is not listed", origin.value_or("(none)"));
    }
}

struct World {
    struct event_base* base = event_base_new();
    Router router;
    std::unique_ptr<cadenza::http::StreamHub> hub;
    cadenza::http::TrustedProxies proxies =
        cadenza::http::TrustedProxies::parse({"127.0.0.1", "10.0.0.0/8", "fd00::/8"});
    Seen seen;

    World() {
        // Every line is formatted (the code paths count) and dropped: no sink, a no-op capture.
        cadenza::logging::set_sinks({});
        cadenza::logging::set_capture([](cadenza::LogLevel, std::string_view, std::string_view) {});
        hub = std::make_unique<cadenza::http::StreamHub>(base, 30, 1);
        auto handler = [this](std::string label) {
            return [this, label](cadenza::http::Request& req) {
                seen.label = label;
                seen.request = &req;
            };
        };
        auto set = [&](std::string name, std::vector<std::string> patterns) {
            cadenza::http::RouteSet routes;
            routes.name = std::move(name);
            for (auto& p : patterns) {
                routes.routes.push_back({p, handler(routes.name + " " + p)});
            }
            return routes;
        };
        // Like a server with both eventsource modules, a root route set and two more hosts.
        router.mount("localhost", "/eventsource", "pubsub_eventsource",
                     set("eventsource", {"GET /*", "OPTIONS /*"}));
        router.mount("localhost", "/muc", "muc_eventsource", set("muc", {"GET /*", "OPTIONS /*"}));
        router.mount("localhost", "/", "root",
                     set("root", {"GET /", "POST /publish", "GET /static/*", "PUT /exact"}));
        router.mount("Example.ORG:5280", "/a/b/", "deep",
                     set("deep", {"DELETE /c", "PATCH /*", "HEAD /h", "GET /h"}));
        router.mount("[::1]", "/v6", "v6", set("v6", {"GET /*"}));
    }
    ~World() {
        hub.reset();
        event_base_free(base);
    }
};

World& world() {
    static World w;
    return w;
}

std::string percent_encode_all(std::string_view text) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
    }
    return out;
}

bool same_route(const Router::Result& a, const Router::Result& b) {
    return a.outcome == b.outcome && a.mount == b.mount && a.host == b.host &&
           a.wildcard == b.wildcard && a.allow == b.allow;
}

// Metamorphic checks on the router: the Host's case and a :port never change the route.
void check_host_variants(std::string_view host, Method method, std::string_view path,
                         const Router::Result& result) {
    const Router& router = world().router;
    std::string upper(host);
    for (char& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (!same_route(router.route(upper, method, path), result)) {
        fail("the Host's case changed the route", std::string(host) + " " + std::string(path));
    }
    bool plain_name = host.find_first_of(":[] \t") == std::string_view::npos;
    if (plain_name && !same_route(router.route(std::string(host) + ":5280", method, path), result)) {
        fail("a :port changed the route", std::string(host) + " " + std::string(path));
    }
}

void check_percent_coding(std::string_view raw) {
    auto decoded = cadenza::http::percent_decode_path(raw);
    if (decoded) {
        if (decoded->find('\0') != std::string::npos) {
            fail("a decoded path holds a NUL", raw);
        }
        auto again = cadenza::http::percent_decode_path(percent_encode_all(*decoded));
        if (!again || *again != *decoded) {
            fail("decode(encode(path)) differs", raw);
        }
    }
    if (cadenza::http::percent_decode_query(percent_encode_all(raw)) != raw) {
        fail("decode_query(encode(text)) differs", raw);
    }
}

struct Head {
    std::string method;
    std::string target;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string_view body;
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    return s;
}

// Splits a request head the way evhttp reads one: request line, "Name: value" lines (a line
// starting with a space or tab continues the previous value), a blank line, the body.
std::optional<Head> split_head(std::string_view input) {
    Head head;
    bool first = true;
    while (true) {
        std::size_t eol = input.find('\n');
        if (eol == std::string_view::npos) {
            return std::nullopt; // evhttp waits for the rest of the head
        }
        std::string_view line = input.substr(0, eol);
        input.remove_prefix(eol + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (first) {
            first = false;
            std::size_t sp1 = line.find(' ');
            std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
            if (sp2 == std::string_view::npos) {
                return std::nullopt; // evhttp answers 400
            }
            head.method = line.substr(0, sp1);
            head.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
            continue;
        }
        if (line.empty()) {
            break;
        }
        if ((line.front() == ' ' || line.front() == '\t') && !head.headers.empty()) {
            head.headers.back().second += " ";
            head.headers.back().second += trim(line);
            continue;
        }
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            return std::nullopt; // evhttp answers 400
        }
        head.headers.emplace_back(std::string(line.substr(0, colon)),
                                  std::string(trim(line.substr(colon + 1))));
    }
    head.body = input;
    return head;
}

void dispatch(const Head& head) {
    World& w = world();
    check_percent_coding(head.target);

    struct evhttp_request* req = evhttp_request_new(nullptr, nullptr);
    std::unique_ptr<struct evhttp_request, void (*)(struct evhttp_request*)> owned(
        req, &evhttp_request_free);
    struct evkeyvalq* headers = evhttp_request_get_input_headers(req);
    std::vector<std::pair<std::string, std::string>> accepted;
    for (const auto& [name, value] : head.headers) {
        if (name.find('\0') != std::string::npos || value.find('\0') != std::string::npos) {
            continue; // evhttp's strings end at a NUL
        }
        if (evhttp_add_header(headers, name.c_str(), value.c_str()) == 0) {
            accepted.emplace_back(name, value);
        }
    }
    evbuffer_add(evhttp_request_get_input_buffer(req), head.body.data(), head.body.size());

    // From here on, HttpServer's handler.
    auto method = cadenza::http::parse_method(head.method);
    if (!method) {
        return; // 501
    }
    if (head.target.find('\0') != std::string::npos) {
        return; // evhttp keeps the target as a C string
    }
    std::unique_ptr<struct evhttp_uri, void (*)(struct evhttp_uri*)> uri(
        evhttp_uri_parse_with_flags(head.target.c_str(), EVHTTP_URI_NONCONFORMANT),
        &evhttp_uri_free);
    if (!uri) {
        return; // evhttp answers 400 itself
    }
    const char* uri_path = evhttp_uri_get_path(uri.get());
    std::string_view raw_path = uri_path != nullptr && *uri_path != '\0' ? uri_path : "/";
    std::optional<std::string> path;
    if (raw_path.front() == '/') {
        path = cadenza::http::percent_decode_path(raw_path);
    }
    if (!path) {
        return; // 400
    }
    check_percent_coding(raw_path);
    const char* uri_host = evhttp_uri_get_host(uri.get());
    const char* host_header = evhttp_find_header(headers, "Host");
    std::string_view host = uri_host != nullptr && *uri_host != '\0' ? uri_host
                            : host_header != nullptr                 ? host_header
                                                                     : "";
    Router::Result route = w.router.route(host, *method, raw_path);
    check_host_variants(host, *method, raw_path, route);
    if (route.outcome == Router::Outcome::kMethodNotAllowed && route.allow.empty()) {
        fail("405 without an Allow list", raw_path);
    }
    if (route.outcome != Router::Outcome::kFound) {
        return; // 404 or 405
    }
    if (route.handler == nullptr) {
        fail("a found route without a handler", raw_path);
    }
    if (route.base_path.empty() || route.base_path.front() != '/' ||
        (route.base_path != "/" && route.base_path.back() == '/')) {
        fail("a base path that is not normalised", route.base_path);
    }
    if (route.base_path != "/" && raw_path.substr(0, route.base_path.size()) != route.base_path) {
        fail("the path is not under the route's base path", std::string(raw_path) + " in " +
                                                                 route.base_path);
    }
    if (!route.wildcard.empty() &&
        (route.wildcard.size() > raw_path.size() ||
         raw_path.substr(raw_path.size() - route.wildcard.size()) != route.wildcard)) {
        fail("the wildcard is not the end of the path", std::string(raw_path) + " / " +
                                                            route.wildcard);
    }
    auto wildcard = cadenza::http::percent_decode_path(route.wildcard);
    if (!wildcard) {
        return; // 400
    }
    const char* query = evhttp_uri_get_query(uri.get());
    cadenza::http::RequestImpl::Target target;
    target.method = *method;
    target.path = *path;
    target.query = query != nullptr ? query : "";
    target.host = route.host;
    target.base_path = route.base_path;
    target.wildcard = std::move(*wildcard);
    target.mount = route.mount;
    // The client behind the (trusted) loopback peer: always a numeric address.
    auto header_value = [headers](const char* name) -> std::optional<std::string_view> {
        const char* value = evhttp_find_header(headers, name);
        return value != nullptr ? std::optional<std::string_view>(value) : std::nullopt;
    };
    cadenza::http::ClientOrigin client =
        cadenza::http::client_origin("127.0.0.1", false, w.proxies,
                                     header_value("X-Forwarded-For"),
                                     header_value("X-Forwarded-Proto"));
    unsigned char parsed[16];
    if (inet_pton(AF_INET, client.address.c_str(), parsed) != 1 &&
        inet_pton(AF_INET6, client.address.c_str(), parsed) != 1) {
        fail("a client address that is not an address", client.address);
    }
    target.remote = client.address;
    target.secure = client.secure;
    cadenza::http::RequestImpl request(*w.hub, req, std::move(target));

    w.seen = {};
    (*route.handler)(request);
    if (w.seen.request != &request) {
        fail("the route's handler did not run", raw_path);
    }
    // What a handler reads back.
    for (const auto& [key, value] : cadenza::http::parse_query(request.query_string())) {
        auto first = request.query(key);
        if (!first) {
            fail("query() misses a parameter of the query string", key);
        }
        if (request.query_all(key).empty()) {
            fail("query_all() misses a parameter of the query string", key);
        }
    }
    for (const auto& [name, value] : accepted) {
        auto found = request.header(name);
        if (!found) {
            fail("header() misses a header that was sent", name);
        }
    }
    if (request.body() != head.body) {
        fail("body() differs from the body sent", head.body);
    }
    if (request.answered()) {
        fail("a request is answered before any answer", raw_path);
    }
    check_eventsource_headers(request);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    world();
    if (auto head = split_head(input)) {
        dispatch(*head);
    }
    // Percent-decoding and query parsing take raw bytes too.
    (void)cadenza::http::percent_decode_path(input);
    (void)cadenza::http::percent_decode_query(input);
    (void)cadenza::http::parse_query(input);
    return 0;
}
