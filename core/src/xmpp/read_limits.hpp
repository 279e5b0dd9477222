// How fast a client connection may send: the `limits` option, as Prosody's mod_limits reads it
//
//   limits = { c2s = { rate = "10kb/s"; burst = "2s" }; c2s_unauthed = { rate = "5kb/s" } }
//
// A connection over its rate is not closed: the server stops reading from it until the bucket
// refills (TCP then slows the sender), so nothing is lost, only delayed. Values only; the
// token buckets themselves are libevent's (bufferevent rate limits).
#pragma once

#include <cadenza/config.hpp>

#include <cstdint>
#include <optional>
#include <string_view>

namespace cadenza::xmpp {

struct ReadRate {
    std::uint64_t bytes_per_second = 0; // 0: no limit
    double burst_seconds = 2;           // the bucket holds this many seconds of rate
    std::uint64_t burst_bytes() const {
        return static_cast<std::uint64_t>(static_cast<double>(bytes_per_second) * burst_seconds);
    }
};

struct ReadLimits {
    // limits.c2s_unauthed: until SASL succeeds (Prosody's session type "c2s_unauthed"). The
    // burst (300 kB) holds more than one stanza at the default c2s_stanza_size_limit, so that
    // an over-size stanza is refused at once instead of being read slowly.
    ReadRate unauthenticated{10'000, 30};
    // limits.c2s: after SASL succeeded. No limit by default, as in Prosody.
    ReadRate authenticated{0, 2};
};

// Reads `limits` from the global section. A session type, or a field of one, that is not
// set keeps its default above. Prosody's other session types (s2sin, s2sout, component) are
// accepted and ignored. Throws ConfigError naming the option and file:line for anything else.
ReadLimits read_read_limits(const Options& global);

// "10kb/s", "10 kb/s", "3000b/s", "1mb/s" (units of 1000 bytes, as Prosody), or a number of
// bytes per second; nullopt when malformed.
std::optional<std::uint64_t> parse_rate(std::string_view text);
// "2s", "0.5s", or a number of seconds; nullopt when malformed or negative.
std::optional<double> parse_burst(std::string_view text);

} // namespace cadenza::xmpp
