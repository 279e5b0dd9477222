// Loads and unloads modules per host.
//
// Search: for module "x", the file mod_x.so (or x/mod_x.so) in each directory of
// `plugin_paths`, then in the installed module directory, then (when the program runs from
// its build tree) in the build's modules directory. Before running anything but the entry
// point, the definition's API version and build fingerprint are checked. Every failure is one
// log line naming the module, the host and (when not found) the paths searched; the server
// carries on, as Prosody does.
#pragma once

#include "server/server_context.hpp"

#include <cadenza/api.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::modules {

// The outcome of locating and checking a module file without loading it into a host.
struct ProbeResult {
    bool ok = false;
    bool builtin = false;      // a Prosody module name handled by the core (see builtin_modules)
    std::string path;          // the file found
    std::string error;         // why it cannot be used, one line
    std::vector<std::string> searched; // the files tried
    std::vector<std::string> options;  // option names the module declares
};

class ModuleManager {
public:
    explicit ModuleManager(ServerContext& context);
    ~ModuleManager(); // unloads everything still loaded
    ModuleManager(const ModuleManager&) = delete;
    ModuleManager& operator=(const ModuleManager&) = delete;

    // The module names configured for a host, in order: a VirtualHost gets the global
    // modules_enabled plus its own, a Component its own module plus its own modules_enabled;
    // minus modules_disabled (global and host for a VirtualHost, host for a Component).
    std::vector<std::string> configured_modules(const Host& host) const;

    // Loads the configured modules of every host. Returns the number of failures (each was
    // logged).
    std::size_t load_all();
    // Loads one module on one host (and its dependencies first). False on failure (logged).
    bool load(Host& host, std::string_view name);
    bool is_loaded(const Host& host, std::string_view name) const;
    // Unloads every module, in the reverse order of loading.
    void unload_all();

    // Directories searched, in order.
    const std::vector<std::string>& search_paths() const { return search_paths_; }
    // Finds and checks a module without loading it (for `cadenzactl check config`).
    ProbeResult probe(std::string_view name) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::vector<std::string> search_paths_;
};

} // namespace cadenza::modules
