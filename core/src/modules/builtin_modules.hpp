// Prosody module names whose job Cadenza does in its core or in another module. Listing one in
// modules_enabled loads nothing and is not an error (see docs/configuration.md).
#pragma once

#include <string_view>
#include <vector>

namespace cadenza::modules {

struct BuiltinModule {
    std::string_view name;
    std::string_view done_by; // e.g. "core (c2s)" or "mod_muc"
};

const std::vector<BuiltinModule>& builtin_modules();
const BuiltinModule* find_builtin_module(std::string_view name);

} // namespace cadenza::modules
