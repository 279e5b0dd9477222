// The client behind a reverse proxy: Prosody's `trusted_proxies`. A request whose peer is a
// trusted proxy is taken to come from the address that proxy put in X-Forwarded-For, and to be
// secure when it says X-Forwarded-Proto: https. From any other peer those headers are ignored:
// anyone can send them.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::http {

class TrustedProxies {
public:
    // Prosody's default: the loopback addresses, where a local proxy (nginx...) connects from.
    static TrustedProxies loopback();
    // Entries are addresses ("192.0.2.10", "::1") or CIDR ranges ("10.0.0.0/8", "fd00::/8").
    // Throws std::invalid_argument naming the first entry that is neither.
    static TrustedProxies parse(const std::vector<std::string>& entries);

    bool contains(std::string_view address) const;
    bool empty() const { return ranges_.empty(); }

private:
    struct Range {
        int family = 0;                      // AF_INET or AF_INET6
        std::array<unsigned char, 16> bytes{}; // network address, 4 or 16 bytes used
        int prefix = 0;                      // bits that must match
    };
    std::vector<Range> ranges_;
};

struct ClientOrigin {
    std::string address; // numeric, normalised ("::1", "192.0.2.7")
    bool secure = false;
};

// Where a request comes from. `peer` is the connection's address, `tls` whether the connection
// is TLS; the two headers as received (absent: nullopt). Behind trusted proxies the address is
// the right-most X-Forwarded-For entry that is not itself a trusted proxy (each proxy appends the
// address it saw, so entries further left were written by the client and prove nothing); an
// entry that is not an IP address ends the walk at the hop before it.
ClientOrigin client_origin(std::string_view peer, bool tls, const TrustedProxies& proxies,
                           std::optional<std::string_view> forwarded_for,
                           std::optional<std::string_view> forwarded_proto);

} // namespace cadenza::http
