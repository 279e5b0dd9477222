#include "modules/builtin_modules.hpp"

#include <algorithm>

namespace cadenza::modules {

// Only jobs Cadenza really does (or does in the issues under way). A Prosody module whose job
// Cadenza does not do at all (carbons, s2s, ...) is deliberately absent: listing it in
// modules_enabled is then reported as a missing module, which tells the operator the truth.
const std::vector<BuiltinModule>& builtin_modules() {
    static const std::vector<BuiltinModule> list{
        {"c2s", "core (client connections)"},
        {"disco", "core (service discovery)"},
        {"http", "core (HTTP server)"},
        {"limits", "core (connection limits)"},
        {"muc_mam", "mod_muc (room history archive)"},
        {"ping", "core (XMPP ping)"},
        {"posix", "core (pidfile and signals; runs in the foreground)"},
        {"roster", "core (rosters)"},
        {"saslauth", "core (SASL authentication)"},
        {"tls", "core (STARTTLS)"},
        {"version", "core (software version)"},
    };
    return list;
}

const BuiltinModule* find_builtin_module(std::string_view name) {
    const auto& list = builtin_modules();
    auto it = std::find_if(list.begin(), list.end(),
                           [name](const BuiltinModule& m) { return m.name == name; });
    return it == list.end() ? nullptr : &*it;
}

} // namespace cadenza::modules
