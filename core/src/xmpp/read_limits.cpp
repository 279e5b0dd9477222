#include "xmpp/read_limits.hpp"

#include <cctype>
#include <charconv>
#include <string>

namespace cadenza::xmpp {
namespace {

constexpr double kMaxBurstSeconds = 3600;
constexpr std::uint64_t kMaxRate = 1'000'000'000'000;

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ') {
        s.remove_prefix(1);
    }
    while (!s.empty() && s.back() == ' ') {
        s.remove_suffix(1);
    }
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out;
}

[[noreturn]] void bad(const ConfigValue& where, const std::string& what) {
    throw ConfigError("option 'limits' (" + where.where.str() + "): " + what);
}

ReadRate read_type(const ConfigValue& value, std::string_view type, ReadRate rate) {
    std::string name(type);
    if (!value.is_table()) {
        bad(value, name + " must be a table like { rate = \"10kb/s\"; burst = \"2s\" }");
    }
    const auto& fields = value.as_table().map;
    for (const auto& [key, field] : fields) {
        if (key != "rate" && key != "burst") {
            bad(field, name + "." + key + " is not a limit (rate, burst)");
        }
    }
    if (auto r = fields.find("rate"); r != fields.end()) {
        std::optional<std::uint64_t> parsed;
        if (r->second.is_number() && r->second.as_number() >= 0) {
            parsed = static_cast<std::uint64_t>(r->second.as_number());
        } else if (r->second.is_string()) {
            parsed = parse_rate(r->second.as_string());
        }
        if (!parsed || *parsed > kMaxRate) {
            bad(r->second, name + ".rate must be like \"10kb/s\" (bytes per second; 0: no limit)");
        }
        rate.bytes_per_second = *parsed;
    }
    if (auto b = fields.find("burst"); b != fields.end()) {
        std::optional<double> parsed;
        if (b->second.is_number() && b->second.as_number() >= 0) {
            parsed = b->second.as_number();
        } else if (b->second.is_string()) {
            parsed = parse_burst(b->second.as_string());
        }
        if (!parsed || *parsed > kMaxBurstSeconds) {
            bad(b->second, name + ".burst must be like \"2s\" (seconds, at most 3600)");
        }
        rate.burst_seconds = *parsed;
    }
    return rate;
}

} // namespace

std::optional<std::uint64_t> parse_rate(std::string_view text) {
    std::string t = lower(trim(text));
    if (t.size() < 3 || t.substr(t.size() - 2) != "/s") {
        return std::nullopt;
    }
    std::string_view body = trim(std::string_view(t).substr(0, t.size() - 2));
    std::uint64_t quantity = 0;
    auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), quantity);
    if (ec != std::errc() || end == body.data()) {
        return std::nullopt;
    }
    std::string_view unit = trim(std::string_view(end, body.data() + body.size() - end));
    std::uint64_t scale = unit == "b"    ? 1
                          : unit == "kb" ? 1000
                          : unit == "mb" ? 1000'000
                          : unit == "gb" ? 1000'000'000
                                         : 0;
    if (scale == 0 || quantity > kMaxRate / scale) {
        return std::nullopt;
    }
    return quantity * scale;
}

std::optional<double> parse_burst(std::string_view text) {
    std::string t = lower(trim(text));
    if (t.empty() || t.back() != 's') {
        return std::nullopt;
    }
    t.pop_back();
    std::string_view number = trim(t);
    double seconds = 0;
    auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), seconds);
    if (ec != std::errc() || end != number.data() + number.size() || !(seconds >= 0)) {
        return std::nullopt;
    }
    return seconds;
}

ReadLimits read_read_limits(const Options& global) {
    ReadLimits limits;
    const ConfigValue::Table* table = global.get_table("limits");
    if (table == nullptr) {
        return limits;
    }
    const ConfigValue* whole = global.find("limits");
    if (!table->array.empty()) {
        bad(*whole, "expected named session types: { c2s = { rate = \"10kb/s\" } }");
    }
    for (const auto& [type, value] : table->map) {
        if (type == "c2s") {
            limits.authenticated = read_type(value, type, limits.authenticated);
        } else if (type == "c2s_unauthed") {
            limits.unauthenticated = read_type(value, type, limits.unauthenticated);
        } else if (type != "s2sin" && type != "s2sout" && type != "component") {
            bad(value, "unknown session type '" + type + "' (c2s, c2s_unauthed)");
        }
    }
    return limits;
}

} // namespace cadenza::xmpp
