// Builds a Config as the evaluator runs: which section is current, host sections opened and
// re-opened, options set and removed. Plain C++, no Lua.
#pragma once

#include "config/config.hpp"

#include <map>
#include <string>
#include <string_view>

namespace cadenza::config {

class ConfigBuilder {
public:
    static constexpr int kGlobal = -1;

    // `config` must outlive the builder; its global section is named "*" here.
    explicit ConfigBuilder(Config& config);

    // Opens a VirtualHost or Component section, or re-opens one of the same name, and makes it
    // current. Returns its index. Throws ConfigError (with `where`) for a bad name or when a
    // VirtualHost and a Component share a name.
    int open_host(std::string_view name, SectionKind kind, const SourceLocation& where);
    void set_component_module(int host, std::string module);
    Section& section(int index);

    int current() const { return current_; }
    void make_current(int index) { current_ = index; }

    // Sets an option in a section; records a warning when the section already had it.
    void set(int index, const std::string& name, ConfigValue value);
    void remove(int index, std::string_view name);
    // The value a config reading `name` sees: the current section's, else the global one.
    const ConfigValue* lookup(std::string_view name) const;

private:
    Config& config_;
    int current_ = kGlobal;
};

// Host names are compared lower-cased (a simple stand-in for nameprep).
std::string host_name_key(std::string_view name);

} // namespace cadenza::config
