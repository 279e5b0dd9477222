// XMPP addresses (JIDs): node@domain/resource, prepared with the stringprep profiles of
// RFC 6122 (Nodeprep, Nameprep, Resourceprep from libidn), the rules XMPP servers such as
// Prosody apply. RFC 7622 (PRECIS) differs on a few inputs; see Jid::parse.
//
// A Jid is a small value holding three prepared strings; every Jid that exists is valid, so
// code that takes a `const Jid&` never checks again. Copy freely; thread-safe as any value.
#pragma once

#include <compare>
#include <cstddef>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

namespace cadenza {

// The longest part (node, domain or resource), in bytes after preparation (RFC 6122 §2).
inline constexpr std::size_t kJidPartMaxBytes = 1023;

// The preparation of one part, for code that holds parts separately (resource binding, SASL
// usernames). Each returns the prepared UTF-8 string, or nullopt when the part is invalid by
// the rules of Jid::parse. An empty input is invalid for all three.
std::optional<std::string> prepare_node(std::string_view node);
std::optional<std::string> prepare_domain(std::string_view domain);
std::optional<std::string> prepare_resource(std::string_view resource);

class Jid {
public:
    // Parses and prepares "node@domain/resource", "node@domain", "domain/resource" or "domain".
    // The resource is everything after the first '/'; the node is what comes before the first
    // '@' of the part before the resource (so "a@b/c@d" has resource "c@d").
    //
    // Returns nullopt (the caller answers `jid-malformed`) when:
    // - the input is not valid UTF-8 (overlong forms, surrogates, > U+10FFFF) or contains NUL;
    // - a part is longer than 8 KiB before preparation (bounds the work on hostile input);
    // - a part is empty while its separator is present ("@example.com", "a@example.com/",
    //   "a@"), or the domain is empty;
    // - a part fails its stringprep profile: prohibited code points (controls, private use,
    //   non-characters, space and " & ' / : < > @ in a node), code points unassigned in
    //   Unicode 3.2 (XMPP forbids them in stored strings), or the bidi rules;
    // - a prepared part is longer than kJidPartMaxBytes;
    // - the domain is not an IPv4 address, a bracketed IPv6 address or a host name whose
    //   labels are 1..63 bytes in their ASCII (punycode) form and follow the letter, digit and
    //   hyphen rule (STD3). One trailing dot is removed first ("example.com." is example.com).
    // Preparation case-folds the node and the domain (Node@EXAMPLE.com is node@example.com) and
    // keeps the resource's case. Unlike RFC 7622, stringprep maps rather than rejects some
    // compatibility characters: "fußball" becomes "fussball" and "henryⅣ" becomes "henryiv".
    // Internationalised domains stay in Unicode (nameprep) form; IPv6 literals are written
    // in their canonical text form.
    static std::optional<Jid> parse(std::string_view text);

    // Builds a JID from separate parts, preparing each; an empty node or resource means absent.
    static std::optional<Jid> from_parts(std::string_view node, std::string_view domain,
                                         std::string_view resource = {});

    const std::string& node() const { return node_; }         // "" when absent
    const std::string& domain() const { return domain_; }     // never empty
    const std::string& resource() const { return resource_; } // "" when absent

    Jid bare() const { return Jid(node_, domain_, {}); } // without the resource

    std::string full() const; // "node@domain/resource", parts that are absent left out
    std::string str() const { return full(); }

    bool is_bare() const { return resource_.empty(); }
    bool is_domain() const { return node_.empty() && resource_.empty(); }

    // Compares the prepared parts, so equal addresses written differently compare equal.
    friend bool operator==(const Jid&, const Jid&) = default;
    friend std::strong_ordering operator<=>(const Jid&, const Jid&) = default;

private:
    Jid(std::string node, std::string domain, std::string resource)
        : node_(std::move(node)), domain_(std::move(domain)), resource_(std::move(resource)) {}

    std::string node_;
    std::string domain_;
    std::string resource_;
};

inline std::ostream& operator<<(std::ostream& out, const Jid& jid) {
    return out << jid.full();
}

} // namespace cadenza

template <> struct std::hash<cadenza::Jid> {
    std::size_t operator()(const cadenza::Jid& jid) const noexcept {
        std::hash<std::string_view> h;
        // Mix each part so that ("ab", "c") and ("a", "bc") differ.
        std::size_t seed = h(jid.node());
        seed ^= h(jid.domain()) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
        seed ^= h(jid.resource()) + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
        return seed;
    }
};
