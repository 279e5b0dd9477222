#include <cadenza/eventsource.hpp>

#include <algorithm>

namespace cadenza::eventsource {
namespace {

constexpr std::string_view kMaxAge = "7200"; // Prosody's module sends the same

bool listed(const std::vector<std::string>& origins, std::string_view origin) {
    return std::find(origins.begin(), origins.end(), origin) != origins.end();
}

} // namespace

std::vector<http::Header> Cors::headers(const http::Request& req) const {
    std::vector<http::Header> out;
    std::optional<std::string_view> origin = req.header("Origin");
    if (origin && listed(origins_, *origin)) {
        out.push_back({"Access-Control-Allow-Origin", std::string(*origin)});
        out.push_back({"Access-Control-Allow-Credentials", "true"});
        out.push_back({"Vary", "Origin"});
    } else if (listed(origins_, "*")) {
        out.push_back({"Access-Control-Allow-Origin", "*"});
    } else {
        return out; // not allowed: the browser will refuse to hand the stream to the page
    }
    out.push_back({"Access-Control-Allow-Methods", "GET"});
    out.push_back({"Access-Control-Max-Age", std::string(kMaxAge)});
    return out;
}

void Cors::preflight(http::Request& req) const {
    http::Response r;
    r.status = 204;
    r.headers = headers(req);
    if (!r.headers.empty()) {
        r.headers.push_back(
            {"Access-Control-Allow-Headers", "Authorization, Last-Event-ID, Cache-Control"});
    }
    req.respond(std::move(r));
}

} // namespace cadenza::eventsource
