// What mod_pubsub_eventsource and mod_muc_eventsource share, so they behave alike and carry
// one implementation: their options, CORS, HTTP Basic authentication against local accounts,
// Last-Event-ID, per-address stream limits, and the fan-out of one frame to every stream of a
// topic. Loop thread only.
#pragma once

#include <cadenza/accounts.hpp>
#include <cadenza/config.hpp>
#include <cadenza/http.hpp>
#include <cadenza/sse.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cadenza::eventsource {

// The eventsource_* options, read from the module's host with fallback to the global section.
struct Settings {
    int keepalive_seconds = 15;                       // eventsource_keepalive (0: off)
    std::size_t max_buffer = std::size_t{1} << 20;    // eventsource_max_buffer
    std::uint32_t retry_ms = 3000;                    // eventsource_retry
    std::vector<std::string> cors_origins{"*"};       // eventsource_cors_origins
    bool allow_insecure_auth = false;                 // eventsource_allow_insecure_auth
    // eventsource_max_streams_per_ip (0: any); past it, 429. Generous enough for many browsers
    // behind one NAT; a benchmark from few addresses raises it or sets 0.
    static constexpr std::size_t kDefaultMaxStreamsPerIp = 1000;
    std::size_t max_streams_per_ip = kDefaultMaxStreamsPerIp;
    std::size_t replay_limit = 1000;                  // eventsource_replay_limit

    static Settings read(const Options& options);
    sse::StreamOptions stream_options() const;
};

// The option names above, for a module definition's `options` list.
extern const char* const kOptionNames[];

// CORS answered per request's Origin: "*" in the list allows any origin (without
// credentials); a listed origin is echoed with Access-Control-Allow-Credentials.
class Cors {
public:
    explicit Cors(std::vector<std::string> origins) : origins_(std::move(origins)) {}
    // Headers for a GET response (empty when the origin is not allowed).
    std::vector<http::Header> headers(const http::Request& req) const;
    // Answers an OPTIONS preflight (204).
    void preflight(http::Request& req) const;

private:
    std::vector<std::string> origins_;
};

// HTTP Basic authentication with an account's JID and password.
struct Auth {
    enum class Status {
        kAnonymous,  // no Authorization header
        kUser,       // good credentials: `jid` is set
        kBad,        // malformed header, unknown account or wrong password
        kInsecure,   // credentials on plain HTTP without eventsource_allow_insecure_auth
    };
    Status status = Status::kAnonymous;
    std::optional<Jid> jid;
};
Auth authenticate(const http::Request& req, Accounts& accounts, bool allow_insecure);

// Answers a refused stream: 401 (with WWW-Authenticate: Basic), 403, 404, 429...; never a
// stream. The body is a short plain-text reason.
void refuse(http::Request& req, int status, std::string_view reason,
            std::vector<http::Header> headers = {});

// The id a reconnecting client resumes after: the Last-Event-ID header, else ?lastEventId=.
std::string last_event_id(const http::Request& req);

// Quotes a string as JSON (every control character escaped; invalid UTF-8 replaced).
std::string json_string(std::string_view text);

// Counts open streams per client address; refuses past the limit (0: no limit).
class AddressLimiter {
public:
    explicit AddressLimiter(std::size_t limit) : limit_(limit) {}
    bool allows(std::string_view address) const;
    // Counts `stream` until it closes.
    void track(const sse::EventStreamPtr& stream);

private:
    std::size_t limit_;
    std::shared_ptr<std::unordered_map<std::string, std::size_t>> counts_ =
        std::make_shared<std::unordered_map<std::string, std::size_t>>();
};

// Streams grouped by topic (a node, a room). A topic's streams are found in O(1) by name and
// a broadcast costs O(1) per stream: one reference to the shared frame each. Streams leave
// their topics by themselves when they close, in O(1).
class Hub {
public:
    Hub();
    ~Hub();
    Hub(const Hub&) = delete;
    Hub& operator=(const Hub&) = delete;

    void subscribe(std::string_view topic, const sse::EventStreamPtr& stream);
    // Sends `frame` to every open stream of `topic`; returns how many got it.
    std::size_t broadcast(std::string_view topic, const sse::FramePtr& frame);
    bool has_streams(std::string_view topic) const;
    std::size_t count(std::string_view topic) const;
    std::size_t total() const;
    // Sends `last` (if set) to every stream of `topic`, then closes them.
    void close_topic(std::string_view topic, const sse::FramePtr& last);

private:
    struct State;
    std::shared_ptr<State> state_;
};

} // namespace cadenza::eventsource
