// Events the core fires, with their payloads (docs/hooks.md is the full catalogue).
//
// Payloads are borrowed for the duration of the fire: the string_views point into the core's
// own data and must be copied by a handler that keeps them.
#pragma once

#include <string_view>

namespace cadenza::events {

// Host bus and global bus, notify: a module finished loading on a host (after its load
// function returned and its dependencies loaded).
inline constexpr std::string_view kModuleLoaded = "module-loaded";
struct ModuleLoaded {
    std::string_view host;
    std::string_view module;
};

// Host bus and global bus, notify: a module was unloaded from a host; everything it registered
// has already been released.
inline constexpr std::string_view kModuleUnloaded = "module-unloaded";
struct ModuleUnloaded {
    std::string_view host;
    std::string_view module;
};

// Global bus, notify: every host's modules are loaded and the listeners are open.
inline constexpr std::string_view kServerStarted = "server-started";
struct ServerStarted {};

// Global bus, notify: the server is about to stop; modules are still loaded.
inline constexpr std::string_view kServerStopping = "server-stopping";
struct ServerStopping {};

} // namespace cadenza::events
