#include <cadenza/jid.hpp>

#include <arpa/inet.h>
#include <idn-free.h>
#include <idna.h>
#include <stringprep.h>

#include <array>
#include <functional>
#include <string>
#include <unordered_map>

namespace cadenza {
namespace {

// Preparation can shrink a part (some code points map to nothing), so the limit applies after
// it; this cap only bounds the work done on hostile input before that.
constexpr std::size_t kRawPartMaxBytes = std::size_t{8} * 1024;
constexpr std::size_t kLabelMaxBytes = 63;

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF, no NUL.
bool valid_utf8(std::string_view text) {
    std::size_t i = 0;
    while (i < text.size()) {
        auto byte = static_cast<unsigned char>(text[i]);
        if (byte == 0) {
            return false;
        }
        if (byte < 0x80) {
            ++i;
            continue;
        }
        std::size_t extra = 0;
        char32_t code = 0;
        char32_t min = 0;
        if ((byte & 0xE0) == 0xC0) {
            extra = 1, code = byte & 0x1F, min = 0x80;
        } else if ((byte & 0xF0) == 0xE0) {
            extra = 2, code = byte & 0x0F, min = 0x800;
        } else if ((byte & 0xF8) == 0xF0) {
            extra = 3, code = byte & 0x07, min = 0x10000;
        } else {
            return false;
        }
        if (text.size() - i <= extra) {
            return false;
        }
        for (std::size_t k = 1; k <= extra; ++k) {
            auto next = static_cast<unsigned char>(text[i + k]);
            if ((next & 0xC0) != 0x80) {
                return false;
            }
            code = (code << 6) | (next & 0x3F);
        }
        if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
            return false;
        }
        i += extra + 1;
    }
    return true;
}

// Runs one of libidn's named stringprep profiles. XMPP addresses are stored strings, so code
// points unassigned in Unicode 3.2 are refused (RFC 3454 §7, RFC 6122 §2).
std::optional<std::string> run_profile(std::string_view part, const char* profile) {
    if (part.empty() || part.size() > kRawPartMaxBytes || !valid_utf8(part)) {
        return std::nullopt;
    }
    std::string input(part); // stringprep wants a NUL-terminated string
    char* output = nullptr;
    int rc = stringprep_profile(input.c_str(), &output, profile, STRINGPREP_NO_UNASSIGNED);
    if (rc != STRINGPREP_OK) {
        idn_free(output); // libidn leaves it null on failure; freeing null is harmless
        return std::nullopt;
    }
    std::string prepared(output);
    idn_free(output);
    if (prepared.empty() || prepared.size() > kJidPartMaxBytes) {
        return std::nullopt;
    }
    return prepared;
}

// IDNA (RFC 3490 §3.1) treats these full stops as label separators too.
std::string map_label_separators(std::string_view domain) {
    static constexpr std::array<std::string_view, 3> kDots = {"\u3002", "\uFF0E", "\uFF61"};
    std::string out;
    out.reserve(domain.size());
    for (std::size_t i = 0; i < domain.size();) {
        bool mapped = false;
        for (std::string_view dot : kDots) {
            if (domain.substr(i, dot.size()) == dot) {
                out.push_back('.');
                i += dot.size();
                mapped = true;
                break;
            }
        }
        if (!mapped) {
            out.push_back(domain[i++]);
        }
    }
    return out;
}

bool is_ldh_label(std::string_view label) {
    if (label.empty() || label.size() > kLabelMaxBytes || label.front() == '-' ||
        label.back() == '-') {
        return false;
    }
    for (char c : label) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

// A non-ASCII label is checked through its ACE ("xn--") form, whose length is what DNS limits.
bool is_valid_idn_label(std::string_view label) {
    std::string input(label);
    char* ace = nullptr;
    int rc = idna_to_ascii_8z(input.c_str(), &ace, IDNA_USE_STD3_ASCII_RULES);
    bool ok = rc == IDNA_SUCCESS && ace != nullptr && is_ldh_label(ace);
    idn_free(ace);
    return ok;
}

bool valid_host_name(std::string_view name) {
    std::size_t start = 0;
    while (true) {
        std::size_t dot = name.find('.', start);
        std::string_view label = name.substr(start, dot - start);
        bool ascii = true;
        for (char c : label) {
            ascii = ascii && static_cast<unsigned char>(c) < 0x80;
        }
        if (!(ascii ? is_ldh_label(label) : !label.empty() && is_valid_idn_label(label))) {
            return false;
        }
        if (dot == std::string_view::npos) {
            return true;
        }
        start = dot + 1;
    }
}

std::optional<std::string> canonical_ip(int family, const std::string& text) {
    std::array<unsigned char, 16> address{};
    std::array<char, INET6_ADDRSTRLEN> buffer{};
    if (inet_pton(family, text.c_str(), address.data()) != 1 ||
        inet_ntop(family, address.data(), buffer.data(), buffer.size()) == nullptr) {
        return std::nullopt;
    }
    return std::string(buffer.data());
}

// Stringprep costs libidn thousands of instructions per part, and a server prepares the same
// few names again and again (every stanza's `to` and `from`): recent results are remembered.
// One cache per profile and thread; cleared whole when full, which keeps it simple and bounded.
class PreparedCache {
public:
    template <typename Prepare>
    std::optional<std::string> get(std::string_view input, Prepare&& prepare) {
        if (input.size() > kMaxInputBytes) {
            return prepare(input);
        }
        if (auto it = results_.find(input); it != results_.end()) {
            return it->second;
        }
        std::optional<std::string> result = prepare(input);
        if (results_.size() >= kMaxEntries) {
            results_.clear();
        }
        results_.emplace(std::string(input), result);
        return result;
    }

private:
    static constexpr std::size_t kMaxEntries = 4096;
    static constexpr std::size_t kMaxInputBytes = 256;
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, std::optional<std::string>, Hash, std::equal_to<>> results_;
};

std::optional<std::string> prepare_domain_uncached(std::string_view domain);

} // namespace

std::optional<std::string> prepare_node(std::string_view node) {
    thread_local PreparedCache cache;
    return cache.get(node, [](std::string_view s) { return run_profile(s, "Nodeprep"); });
}

std::optional<std::string> prepare_resource(std::string_view resource) {
    thread_local PreparedCache cache;
    return cache.get(resource, [](std::string_view s) { return run_profile(s, "Resourceprep"); });
}

std::optional<std::string> prepare_domain(std::string_view domain) {
    thread_local PreparedCache cache;
    return cache.get(domain, prepare_domain_uncached);
}

namespace {

std::optional<std::string> prepare_domain_uncached(std::string_view domain) {
    if (domain.empty() || domain.size() > kRawPartMaxBytes || !valid_utf8(domain)) {
        return std::nullopt;
    }
    if (domain.front() == '[') {
        if (domain.back() != ']') {
            return std::nullopt;
        }
        auto ip = canonical_ip(AF_INET6, std::string(domain.substr(1, domain.size() - 2)));
        return ip ? std::optional<std::string>("[" + *ip + "]") : std::nullopt;
    }
    std::string name = map_label_separators(domain);
    if (name.back() == '.') {
        name.pop_back(); // the fully qualified form names the same host
    }
    if (name.empty()) {
        return std::nullopt;
    }
    if (auto ip = canonical_ip(AF_INET, name)) {
        return ip;
    }
    auto prepared = run_profile(name, "Nameprep");
    if (!prepared) {
        return std::nullopt;
    }
    // Nameprep already case-folds; this keeps ASCII lowercase whatever the profile tables say.
    for (char& c : *prepared) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    if (!valid_host_name(*prepared)) {
        return std::nullopt;
    }
    return prepared;
}

} // namespace

std::optional<Jid> Jid::parse(std::string_view text) {
    std::size_t slash = text.find('/');
    std::string_view before = text.substr(0, slash);
    std::string_view resource;
    if (slash != std::string_view::npos) {
        resource = text.substr(slash + 1);
        if (resource.empty()) {
            return std::nullopt;
        }
    }
    std::size_t at = before.find('@');
    std::string_view node;
    std::string_view domain = before;
    if (at != std::string_view::npos) {
        node = before.substr(0, at);
        domain = before.substr(at + 1);
        if (node.empty()) {
            return std::nullopt;
        }
    }
    return from_parts(node, domain, resource);
}

std::optional<Jid> Jid::from_parts(std::string_view node, std::string_view domain,
                                   std::string_view resource) {
    std::string prepared_node;
    std::string prepared_resource;
    if (!node.empty()) {
        auto prepared = prepare_node(node);
        if (!prepared) {
            return std::nullopt;
        }
        prepared_node = std::move(*prepared);
    }
    auto prepared_domain = prepare_domain(domain);
    if (!prepared_domain) {
        return std::nullopt;
    }
    if (!resource.empty()) {
        auto prepared = prepare_resource(resource);
        if (!prepared) {
            return std::nullopt;
        }
        prepared_resource = std::move(*prepared);
    }
    return Jid(std::move(prepared_node), std::move(*prepared_domain), std::move(prepared_resource));
}

std::string Jid::full() const {
    std::string out;
    out.reserve(node_.size() + domain_.size() + resource_.size() + 2);
    if (!node_.empty()) {
        out += node_;
        out += '@';
    }
    out += domain_;
    if (!resource_.empty()) {
        out += '/';
        out += resource_;
    }
    return out;
}

} // namespace cadenza
