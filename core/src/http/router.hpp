// Which handler serves a request: plain data, no I/O, so it can be unit tested.
//
// Route sets are mounted per Host at a base path. For a request the Host is looked up
// (case-insensitive, without port; unknown Hosts fall back to the default host when one is
// set), then within that Host: an exact route beats a wildcard one, then the longer matched
// prefix wins. A path that some route matches with another method gives kMethodNotAllowed and
// the Allow list. HEAD is served by GET routes.
#pragma once

#include <cadenza/http.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::http {

// "GET /*" -> {kGet, "/", true}; "POST /publish" -> {kPost, "/publish", false}.
struct RoutePattern {
    Method method = Method::kGet;
    std::string path;      // starts with "/"; for a wildcard, the part before "*"
    bool wildcard = false; // the pattern ended in "*"
};
// Throws std::invalid_argument with the pattern in the message.
RoutePattern parse_route_pattern(std::string_view pattern);

// A second route set at the same Host and base path.
class RouteConflict : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

using MountId = std::uint64_t;

class Router {
public:
    Router();
    ~Router();
    Router(const Router&) = delete;
    Router& operator=(const Router&) = delete;

    // Mounts `routes` at `base` ("/eventsource"; "/" mounts at the root) under `host`.
    // `owner` ("pubsub_eventsource on pubsub.example.org") appears in conflict messages.
    // Throws RouteConflict naming both owners, std::invalid_argument for a bad pattern.
    MountId mount(std::string_view host, std::string_view base, std::string owner,
                  RouteSet routes);
    void unmount(MountId id);
    // Requests whose Host matches no mounted host use this one ("" for none).
    void set_default_host(std::string_view host);

    enum class Outcome { kFound, kNotFound, kMethodNotAllowed };
    struct Result {
        Outcome outcome = Outcome::kNotFound;
        const Handler* handler = nullptr; // valid until the mount is removed
        MountId mount = 0;
        std::string host;      // the host whose routes matched
        std::string base_path; // the mount's base path
        std::string wildcard;  // what "*" matched (not yet percent-decoded), no leading "/"
        std::string allow;     // for kMethodNotAllowed: "GET, HEAD, POST"
        std::string owner;
    };
    // `host` as sent (any case, may carry ":port"); `path` without the query string.
    Result route(std::string_view host, Method method, std::string_view path) const;

    // Lower-cases and strips a ":port" (and IPv6 brackets are kept): "Example.ORG:5280" ->
    // "example.org".
    static std::string normalize_host(std::string_view host);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace cadenza::http
