#include <cadenza/eventsource.hpp>

namespace cadenza::eventsource {

const char* const kOptionNames[] = {"eventsource_keepalive",
                                    "eventsource_max_buffer",
                                    "eventsource_retry",
                                    "eventsource_cors_origins",
                                    "eventsource_allow_insecure_auth",
                                    "eventsource_max_streams_per_ip",
                                    "eventsource_replay_limit",
                                    nullptr};

Settings Settings::read(const Options& options) {
    Settings s;
    s.keepalive_seconds = static_cast<int>(options.get_int("eventsource_keepalive", 15, 0, 3600));
    s.max_buffer = static_cast<std::size_t>(options.get_int(
        "eventsource_max_buffer", 1024 * 1024, 4 * 1024, 1024LL * 1024 * 1024));
    s.retry_ms = static_cast<std::uint32_t>(
        options.get_int("eventsource_retry", 3000, 0, 24LL * 3600 * 1000));
    if (options.has("eventsource_cors_origins")) {
        s.cors_origins = options.get_list("eventsource_cors_origins");
    }
    s.allow_insecure_auth = options.get_bool("eventsource_allow_insecure_auth", false);
    s.max_streams_per_ip = static_cast<std::size_t>(
        options.get_int("eventsource_max_streams_per_ip",
                        static_cast<std::int64_t>(kDefaultMaxStreamsPerIp), 0,
                        1'000'000));
    s.replay_limit = static_cast<std::size_t>(
        options.get_int("eventsource_replay_limit", 1000, 0, 1'000'000));
    return s;
}

sse::StreamOptions Settings::stream_options() const {
    sse::StreamOptions o;
    o.max_buffer = max_buffer;
    o.keepalive_seconds = keepalive_seconds;
    o.retry_ms = retry_ms;
    return o;
}

} // namespace cadenza::eventsource
