#include "http/forwarded.hpp"

#include "http/ows.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <stdexcept>

namespace cadenza::http {
namespace {

struct Address {
    int family = 0;
    std::array<unsigned char, 16> bytes{};
};

std::optional<Address> parse_address(std::string_view text) {
    if (text.empty() || text.size() >= INET6_ADDRSTRLEN) {
        return std::nullopt;
    }
    std::string copy(text);
    Address a;
    if (inet_pton(AF_INET, copy.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET;
        return a;
    }
    if (inet_pton(AF_INET6, copy.c_str(), a.bytes.data()) == 1) {
        a.family = AF_INET6;
        return a;
    }
    return std::nullopt;
}

std::string format_address(const Address& a) {
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(a.family, a.bytes.data(), text, sizeof text);
    return text;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

int address_bits(int family) { return family == AF_INET ? 32 : 128; }

} // namespace

TrustedProxies TrustedProxies::loopback() { return parse({"127.0.0.1", "::1"}); }

TrustedProxies TrustedProxies::parse(const std::vector<std::string>& entries) {
    TrustedProxies proxies;
    for (const std::string& entry : entries) {
        std::string_view text = trim_ows(entry);
        std::string_view address_text = text;
        std::optional<int> prefix;
        if (auto slash = text.find('/'); slash != std::string_view::npos) {
            address_text = text.substr(0, slash);
            std::string bits(text.substr(slash + 1));
            char* end = nullptr;
            long value = std::strtol(bits.c_str(), &end, 10);
            if (bits.empty() || *end != '\0' || value < 0) {
                throw std::invalid_argument("'" + entry + "' is not an address or a CIDR range");
            }
            prefix = static_cast<int>(value);
        }
        std::optional<Address> address = parse_address(address_text);
        if (!address || (prefix && *prefix > address_bits(address->family))) {
            throw std::invalid_argument("'" + entry + "' is not an address or a CIDR range");
        }
        proxies.ranges_.push_back(
            {address->family, address->bytes, prefix.value_or(address_bits(address->family))});
    }
    return proxies;
}

bool TrustedProxies::contains(std::string_view text) const {
    std::optional<Address> address = parse_address(text);
    if (!address) {
        return false;
    }
    for (const Range& range : ranges_) {
        if (range.family != address->family) {
            continue;
        }
        int whole = range.prefix / 8;
        int rest = range.prefix % 8;
        bool match = std::equal(range.bytes.begin(), range.bytes.begin() + whole,
                                address->bytes.begin());
        if (match && rest > 0) {
            auto mask = static_cast<unsigned char>(0xFF << (8 - rest));
            match = (range.bytes[whole] & mask) == (address->bytes[whole] & mask);
        }
        if (match) {
            return true;
        }
    }
    return false;
}

ClientOrigin client_origin(std::string_view peer, bool tls, const TrustedProxies& proxies,
                           std::optional<std::string_view> forwarded_for,
                           std::optional<std::string_view> forwarded_proto) {
    ClientOrigin origin{std::string(peer), tls};
    if (!proxies.contains(peer)) {
        return origin;
    }
    if (forwarded_proto && equals_ignoring_case(trim_ows(*forwarded_proto), "https")) {
        origin.secure = true;
    }
    if (!forwarded_for) {
        return origin;
    }
    // Right to left: each hop appended the address it saw.
    std::string_view list = *forwarded_for;
    while (!list.empty()) {
        std::size_t comma = list.rfind(',');
        std::string_view entry =
            trim_ows(comma == std::string_view::npos ? list : list.substr(comma + 1));
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(0, comma);
        std::optional<Address> address = parse_address(entry);
        if (!address) {
            return origin; // not an address: believe nothing from here on
        }
        origin.address = format_address(*address);
        if (!proxies.contains(entry)) {
            return origin;
        }
    }
    return origin; // every hop a trusted proxy: the left-most one is the client
}

} // namespace cadenza::http
