#include "auth/scram.hpp"

#include <cadenza/eventsource.hpp>

#include <nlohmann/json.hpp>

namespace cadenza::eventsource {

Auth authenticate(const http::Request& req, Accounts& accounts, bool allow_insecure) {
    Auth result;
    std::optional<std::string_view> header = req.header("Authorization");
    if (!header) {
        return result;
    }
    if (!req.secure() && !allow_insecure) {
        result.status = Auth::Status::kInsecure;
        return result;
    }
    result.status = Auth::Status::kBad;
    constexpr std::string_view kBasic = "Basic ";
    if (header->size() <= kBasic.size() || header->substr(0, kBasic.size()) != kBasic) {
        return result;
    }
    std::optional<std::string> decoded = auth::base64_decode(header->substr(kBasic.size()));
    if (!decoded) {
        return result;
    }
    auto colon = decoded->find(':');
    if (colon == std::string::npos) {
        return result;
    }
    auto jid = Jid::parse(std::string_view(*decoded).substr(0, colon));
    if (!jid || jid->node().empty()) {
        return result;
    }
    if (!accounts.verify_password(jid->bare(), std::string_view(*decoded).substr(colon + 1))) {
        return result;
    }
    result.status = Auth::Status::kUser;
    result.jid = jid->bare();
    return result;
}

void refuse(http::Request& req, int status, std::string_view reason,
            std::vector<http::Header> headers) {
    http::Response r = http::Response::text(status, std::string(reason) + "\n");
    r.headers = std::move(headers);
    if (status == 401) {
        r.headers.push_back({"WWW-Authenticate", "Basic realm=\"Cadenza\", charset=\"UTF-8\""});
    }
    req.respond(std::move(r));
}

std::string last_event_id(const http::Request& req) {
    if (auto header = req.header("Last-Event-ID")) {
        return std::string(*header);
    }
    return req.query("lastEventId").value_or("");
}

std::string json_string(std::string_view text) {
    // nlohmann's dump escapes every control character; `replace` turns invalid UTF-8 into
    // U+FFFD instead of throwing.
    return nlohmann::json(std::string(text)).dump(-1, ' ', false,
                                                  nlohmann::json::error_handler_t::replace);
}

bool AddressLimiter::allows(std::string_view address) const {
    if (limit_ == 0) {
        return true;
    }
    auto it = counts_->find(std::string(address));
    return it == counts_->end() || it->second < limit_;
}

void AddressLimiter::track(const sse::EventStreamPtr& stream) {
    if (limit_ == 0) {
        return;
    }
    std::string address(stream->remote_address());
    ++(*counts_)[address];
    std::weak_ptr<std::unordered_map<std::string, std::size_t>> weak = counts_;
    stream->on_close([weak, address](sse::CloseReason) {
        if (auto counts = weak.lock()) {
            auto it = counts->find(address);
            if (it != counts->end() && --it->second == 0) {
                counts->erase(it);
            }
        }
    });
}

} // namespace cadenza::eventsource
