#include "config/config.hpp"

#include <cadenza/log.hpp>

#include <cmath>
#include <optional>
#include <sstream>

namespace cadenza {
namespace {

const Logger& config_log() {
    static const Logger log("config");
    return log;
}

// Every type name ("boolean", "number", "string", "table") takes "a".
std::string article(const char* type_name) {
    return std::string("a ") + type_name;
}

std::string describe(std::string_view name, const ConfigValue& value) {
    return "option '" + std::string(name) + "' (" + value.where.str() + ")";
}

// An integer-valued number as an integer; nullopt for 2.5, NaN or values beyond int64.
std::optional<std::int64_t> exact_integer(const ConfigValue& value) {
    if (value.type() == ConfigValue::Type::kInteger) {
        return value.as_integer();
    }
    double d = value.as_number();
    if (!std::isfinite(d) || d != std::trunc(d) || d < -0x1p63 || d >= 0x1p63) {
        return std::nullopt;
    }
    return static_cast<std::int64_t>(d);
}

std::string number_text(const ConfigValue& value) {
    if (value.type() == ConfigValue::Type::kInteger) {
        return std::to_string(value.as_integer());
    }
    std::ostringstream out;
    out << value.as_number();
    return out.str();
}

// The items of a list option: a table's array part, or the value itself (Prosody accepts a
// single value where a list is expected).
template <typename Fn>
void for_each_item(std::string_view name, const ConfigValue& value, std::string_view expected,
                   Fn&& fn) {
    if (!value.is_table()) {
        fn(value, 0);
        return;
    }
    const auto& table = value.as_table();
    if (!table.map.empty()) {
        throw ConfigError(describe(name, value) + " must be " + std::string(expected) +
                          ", not a table with named fields (such as '" + table.map.begin()->first +
                          "')");
    }
    int position = 1;
    for (const auto& item : table.array) {
        fn(item, position++);
    }
}

} // namespace

void Options::wrong_type(std::string_view name, const ConfigValue& value,
                         std::string_view expected) const {
    throw ConfigError(describe(name, value) + " must be " + std::string(expected) + ", not " +
                      article(value.type_name()));
}

std::optional<std::string> Options::get_string(std::string_view name) const {
    const ConfigValue* v = find(name);
    if (v == nullptr) {
        return std::nullopt;
    }
    if (!v->is_string()) {
        wrong_type(name, *v, "a string");
    }
    return v->as_string();
}

std::string Options::get_string(std::string_view name, std::string_view fallback) const {
    auto v = get_string(name);
    return v ? *v : std::string(fallback);
}

bool Options::get_bool(std::string_view name, bool fallback) const {
    const ConfigValue* v = find(name);
    if (v == nullptr) {
        return fallback;
    }
    if (!v->is_boolean()) {
        wrong_type(name, *v, "true or false");
    }
    return v->as_boolean();
}

double Options::get_number(std::string_view name, double fallback) const {
    const ConfigValue* v = find(name);
    if (v == nullptr) {
        return fallback;
    }
    if (!v->is_number()) {
        wrong_type(name, *v, "a number");
    }
    return v->as_number();
}

std::int64_t Options::get_int(std::string_view name, std::int64_t fallback, std::int64_t min,
                              std::int64_t max) const {
    const ConfigValue* v = find(name);
    if (v == nullptr) {
        return fallback;
    }
    if (!v->is_number()) {
        wrong_type(name, *v, "an integer");
    }
    // An integral float is fine (8.0), and so is one beyond int64 such as math.huge: it is
    // clamped like any out-of-range value.
    double d = v->as_number();
    if (v->type() == ConfigValue::Type::kNumber &&
        (std::isnan(d) || (std::isfinite(d) && d != std::trunc(d)))) {
        throw ConfigError(describe(name, *v) + " must be an integer, not " + number_text(*v));
    }
    std::int64_t n = v->as_integer(); // saturates
    if (n < min || n > max) {
        std::int64_t clamped = n < min ? min : max;
        config_log().warn(describe(name, *v), " is ", number_text(*v), ", outside ", min, "..", max,
                          "; using ", clamped);
        return clamped;
    }
    return n;
}

std::vector<std::string> Options::get_list(std::string_view name) const {
    std::vector<std::string> list;
    const ConfigValue* v = find(name);
    if (v == nullptr) {
        return list;
    }
    constexpr std::string_view kExpected = "a list of strings";
    for_each_item(name, *v, kExpected, [&](const ConfigValue& item, int position) {
        if (item.is_string()) {
            list.push_back(item.as_string());
        } else if (position == 0) {
            wrong_type(name, item, kExpected);
        } else {
            throw ConfigError(describe(name, *v) + " must be " + std::string(kExpected) +
                              ", but item " + std::to_string(position) + " is " +
                              article(item.type_name()));
        }
    });
    return list;
}

std::set<std::string> Options::get_set(std::string_view name) const {
    auto list = get_list(name);
    return {list.begin(), list.end()};
}

std::vector<std::int64_t> Options::get_int_list(std::string_view name, std::int64_t min,
                                                std::int64_t max) const {
    std::vector<std::int64_t> list;
    const ConfigValue* v = find(name);
    if (v == nullptr) {
        return list;
    }
    constexpr std::string_view kExpected = "a list of integers";
    for_each_item(name, *v, kExpected, [&](const ConfigValue& item, int position) {
        std::string which = position == 0 ? "it" : "item " + std::to_string(position);
        if (!item.is_number()) {
            if (position == 0) {
                wrong_type(name, item, kExpected);
            }
            throw ConfigError(describe(name, *v) + " must be " + std::string(kExpected) + ", but " +
                              which + " is " + article(item.type_name()));
        }
        auto n = exact_integer(item);
        if (!n) {
            throw ConfigError(describe(name, *v) + " must be " + std::string(kExpected) + ", but " +
                              which + " is " + number_text(item));
        }
        if (*n < min || *n > max) {
            throw ConfigError(describe(name, *v) + ": " + which + " is " + std::to_string(*n) +
                              ", outside " + std::to_string(min) + ".." + std::to_string(max));
        }
        list.push_back(*n);
    });
    return list;
}

const ConfigValue::Table* Options::get_table(std::string_view name) const {
    const ConfigValue* v = find(name);
    if (v == nullptr) {
        return nullptr;
    }
    if (!v->is_table()) {
        wrong_type(name, *v, "a table");
    }
    return &v->as_table();
}

namespace config {

const ConfigValue* SectionOptions::find(std::string_view name) const {
    if (host_ != nullptr) {
        if (auto it = host_->options.find(name); it != host_->options.end()) {
            return &it->second;
        }
    }
    auto it = global_.options.find(name);
    return it == global_.options.end() ? nullptr : &it->second;
}

const ConfigValue* SectionOptions::find_own(std::string_view name) const {
    const Section& own = host_ != nullptr ? *host_ : global_;
    auto it = own.options.find(name);
    return it == own.options.end() ? nullptr : &it->second;
}

const std::string& SectionOptions::host() const {
    return host_ != nullptr ? host_->name : global_.name;
}

} // namespace config
} // namespace cadenza
