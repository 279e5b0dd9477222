// Configuration values and the typed, per-host view of them that modules read.
//
// The configuration file (Prosody's syntax) is evaluated once at start-up; afterwards every
// value is plain immutable C++ data owned by the core. A module reads its options in `load`
// through Module::options() and keeps copies of what it needs: never read options in a hot
// handler.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace cadenza {

// Where a value was written: "file:line". Empty file for built-in defaults.
struct SourceLocation {
    std::string file;
    int line = 0;
    std::string str() const; // "file:line", or "(default)"
};

// A configuration problem the operator must fix. what() names the option and file:line.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// One Lua value converted to C++: boolean, number (integer or float), string or table.
// A table keeps its array part (1..n) in order and its keyed part sorted by key; keys that are
// neither strings nor positive integers are rejected when the config is evaluated.
class ConfigValue {
public:
    using Array = std::vector<ConfigValue>;
    using Map = std::map<std::string, ConfigValue, std::less<>>;
    struct Table {
        Array array;
        Map map;
    };
    enum class Type { kBoolean, kInteger, kNumber, kString, kTable };

    ConfigValue() : value_(false) {}
    explicit ConfigValue(bool v) : value_(v) {}
    explicit ConfigValue(std::int64_t v) : value_(v) {}
    explicit ConfigValue(double v) : value_(v) {}
    explicit ConfigValue(std::string v) : value_(std::move(v)) {}
    explicit ConfigValue(Table v) : value_(std::move(v)) {}

    Type type() const { return static_cast<Type>(value_.index()); }
    bool is_boolean() const { return type() == Type::kBoolean; }
    bool is_number() const { return type() == Type::kInteger || type() == Type::kNumber; }
    bool is_string() const { return type() == Type::kString; }
    bool is_table() const { return type() == Type::kTable; }

    // Accessors: the caller checks the type first (they throw std::bad_variant_access).
    bool as_boolean() const { return std::get<bool>(value_); }
    double as_number() const;
    std::int64_t as_integer() const; // floats are truncated
    const std::string& as_string() const { return std::get<std::string>(value_); }
    const Table& as_table() const { return std::get<Table>(value_); }

    static const char* type_name(Type t); // "boolean", "number", "string", "table"
    const char* type_name() const { return type_name(type()); }

    SourceLocation where; // where the value was assigned

private:
    std::variant<bool, std::int64_t, double, std::string, Table> value_;
};

// The options one host sees: its own section first, then the global section, then the caller's
// default. Getters throw ConfigError naming the option and file:line when the value has the
// wrong type. Borrowed from the core; valid for as long as the host exists.
class Options {
public:
    virtual ~Options() = default;

    // The raw value (host first, then global), or nullptr when the option is not set.
    virtual const ConfigValue* find(std::string_view name) const = 0;
    // Only the host's own section, without falling back to the global one.
    virtual const ConfigValue* find_own(std::string_view name) const = 0;
    // Name of the host these options belong to ("*" for the global section).
    virtual const std::string& host() const = 0;

    bool has(std::string_view name) const { return find(name) != nullptr; }
    std::optional<std::string> get_string(std::string_view name) const;
    std::string get_string(std::string_view name, std::string_view fallback) const;
    bool get_bool(std::string_view name, bool fallback) const;
    double get_number(std::string_view name, double fallback) const;
    // Integers; a value outside [min, max] is clamped with a warning naming option and place.
    std::int64_t get_int(std::string_view name, std::int64_t fallback, std::int64_t min,
                         std::int64_t max) const;
    // A list of strings. A single string is accepted as a one-element list (Prosody does too).
    std::vector<std::string> get_list(std::string_view name) const;
    // The same, de-duplicated and ordered.
    std::set<std::string> get_set(std::string_view name) const;
    // A list of integers (ports, sizes); a single number is a one-element list. Unlike get_int,
    // an item outside [min, max] is an error: clamping one item of a list hides a typo.
    std::vector<std::int64_t> get_int_list(std::string_view name,
                                           std::int64_t min = INT64_MIN,
                                           std::int64_t max = INT64_MAX) const;
    // A table; nullptr when unset. Throws when set to something else.
    const ConfigValue::Table* get_table(std::string_view name) const;

protected:
    [[noreturn]] void wrong_type(std::string_view name, const ConfigValue& value,
                                 std::string_view expected) const;
};

} // namespace cadenza
