// HTTP routes a module provides, as Prosody's module:provides("http", { route = {...} }).
//
//   module.provides_http({"eventsource", {
//       {"GET /*", [](http::Request& req) { ... req.respond(...) or req.start_event_stream(...) }},
//   }});
//
// The route set named N is mounted at http_paths[N] (or /N) under the Host `http_host` (or the
// module's host). Within a set, an exact path beats a wildcard, then the longer prefix wins.
// HEAD requests are served by GET routes. The core answers 404 for unknown paths, 405 (with
// Allow) for a known path with another method, 400/413 for malformed or oversize requests.
#pragma once

#include <cadenza/sse.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::http {

enum class Method { kGet, kHead, kPost, kPut, kDelete, kOptions, kPatch };
const char* method_name(Method method);                    // "GET"
std::optional<Method> parse_method(std::string_view name); // case-sensitive, as HTTP says

struct Header {
    std::string name;
    std::string value;
};

struct Response {
    int status = 200;
    std::string body;
    std::string content_type = "text/plain; charset=utf-8";
    std::vector<Header> headers;

    static Response text(int status, std::string body) {
        Response r;
        r.status = status;
        r.body = std::move(body);
        return r;
    }
};

// A request being handled. Borrowed: valid only during the handler call. The handler answers
// exactly once, with respond() or start_event_stream(), before it returns; a handler that
// does neither gets a 500 answered for it and an error logged.
class Request {
public:
    virtual ~Request() = default;

    virtual Method method() const = 0;
    // The request path, percent-decoded, without the query ("/eventsource/my node").
    virtual std::string_view path() const = 0;
    // Where the route set is mounted ("/eventsource").
    virtual std::string_view base_path() const = 0;
    // For a wildcard route: what "*" matched, percent-decoded, without the leading "/"
    // ("my node"); empty for exact routes.
    virtual std::string_view wildcard() const = 0;
    // The raw query string, without "?".
    virtual std::string_view query_string() const = 0;
    // First value of a query parameter, percent-decoded ('+' is a space).
    virtual std::optional<std::string> query(std::string_view name) const = 0;
    // Every value of a repeated parameter (?node=a&node=b), in order.
    virtual std::vector<std::string> query_all(std::string_view name) const = 0;
    // A request header (case-insensitive name).
    virtual std::optional<std::string_view> header(std::string_view name) const = 0;
    // The Host the request was routed by: lower-case, without port.
    virtual std::string_view host() const = 0;
    virtual std::string_view remote_address() const = 0;
    // True on an https listener.
    virtual bool secure() const = 0;
    virtual std::string_view body() const = 0;

    virtual void respond(Response response) = 0;
    // Starts a text/event-stream response (with Cache-Control: no-cache and
    // X-Accel-Buffering: no, plus `headers`). The stream outlives the request and is closed
    // by the core when the module unloads or the server stops.
    virtual sse::EventStreamPtr start_event_stream(const sse::StreamOptions& options,
                                                   std::vector<Header> headers = {}) = 0;
    virtual bool answered() const = 0;
};

using Handler = std::function<void(Request&)>;

struct Route {
    std::string pattern; // "<METHOD> <path>": "GET /*", "GET /exact", "POST /*"
    Handler handler;
};

struct RouteSet {
    std::string name; // the default mount path is "/" + name
    std::vector<Route> routes;
};

} // namespace cadenza::http
