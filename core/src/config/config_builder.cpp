#include "config/config_builder.hpp"

#include <cctype>

namespace cadenza::config {
namespace {

const char* kind_name(SectionKind kind) {
    return kind == SectionKind::kComponent ? "Component" : "VirtualHost";
}

bool forbidden_in_host_name(unsigned char c) {
    return c <= ' ' || c == 0x7f || c == '@' || c == '/' || c == '"' || c == '\\';
}

} // namespace

std::string host_name_key(std::string_view name) {
    std::string key(name);
    for (char& c : key) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return key;
}

ConfigBuilder::ConfigBuilder(Config& config) : config_(config) {
    // assign(1, '*'), not = "*": GCC 12 at -O3 warns -Wrestrict on the latter (a false
    // positive, GCC bug 105329), which -Werror would make fatal in release builds.
    config_.global.name.assign(1, '*');
    config_.global.kind = SectionKind::kGlobal;
}

int ConfigBuilder::open_host(std::string_view raw_name, SectionKind kind,
                             const SourceLocation& where) {
    std::string name = host_name_key(raw_name);
    if (name.empty()) {
        throw ConfigError(where.str() + ": " + kind_name(kind) + " needs a name");
    }
    for (char c : name) {
        if (forbidden_in_host_name(static_cast<unsigned char>(c))) {
            throw ConfigError(where.str() + ": the name of " + kind_name(kind) + " \"" + name +
                              "\" contains forbidden characters");
        }
    }
    for (std::size_t i = 0; i < config_.hosts.size(); ++i) {
        Section& host = config_.hosts[i];
        if (host.name != name) {
            continue;
        }
        if (host.kind != kind) {
            throw ConfigError(where.str() + ": " + kind_name(kind) + " \"" + name +
                              "\" clashes with the " + kind_name(host.kind) +
                              " of the same name at " + host.where.str() +
                              "; for services use a sub-domain like conference." + name);
        }
        current_ = static_cast<int>(i);
        return current_;
    }
    Section host;
    host.name = std::move(name);
    host.kind = kind;
    host.where = where;
    config_.hosts.push_back(std::move(host));
    current_ = static_cast<int>(config_.hosts.size() - 1);
    return current_;
}

void ConfigBuilder::set_component_module(int host, std::string module) {
    section(host).component_module = std::move(module);
}

Section& ConfigBuilder::section(int index) {
    return index == kGlobal ? config_.global : config_.hosts.at(static_cast<std::size_t>(index));
}

void ConfigBuilder::set(int index, const std::string& name, ConfigValue value) {
    Section& s = section(index);
    auto it = s.options.find(name);
    if (it != s.options.end()) {
        config_.warnings.push_back(value.where.str() + ": option '" + name + "' is set again in " +
                                   (index == kGlobal ? "the global section" : s.name) +
                                   " (before at " + it->second.where.str() +
                                   "); the later value wins");
        it->second = std::move(value);
        return;
    }
    s.options.emplace(name, std::move(value));
}

void ConfigBuilder::remove(int index, std::string_view name) {
    Section& s = section(index);
    if (auto it = s.options.find(name); it != s.options.end()) {
        s.options.erase(it);
    }
}

const ConfigValue* ConfigBuilder::lookup(std::string_view name) const {
    if (current_ != kGlobal) {
        const Section& own = config_.hosts[static_cast<std::size_t>(current_)];
        if (auto it = own.options.find(name); it != own.options.end()) {
            return &it->second;
        }
    }
    auto it = config_.global.options.find(name);
    return it == config_.global.options.end() ? nullptr : &it->second;
}

} // namespace cadenza::config
