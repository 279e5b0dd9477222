#include "modules/module_manager.hpp"

#include "modules/builtin_modules.hpp"
#include "modules/module_context.hpp"
#include "modules/module_library.hpp"

#include <cadenza/events.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>
#include <utility>

namespace cadenza::modules {
namespace {

struct LoadedModule {
    Host* host;
    std::string name;
    std::shared_ptr<ModuleLibrary> library;
    std::unique_ptr<ModuleContext> context;
};

std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) {
            out += separator;
        }
        out += item;
    }
    return out;
}

// Appends the names in `add` not yet in `list`, keeping the first occurrence's place.
void append_unique(std::vector<std::string>& list, const std::vector<std::string>& add) {
    for (const auto& name : add) {
        if (std::find(list.begin(), list.end(), name) == list.end()) {
            list.push_back(name);
        }
    }
}

// A core event must not break loading when some module hooked its name with another payload.
template <typename Payload>
void fire(HookBus& bus, std::string_view event, Payload& payload, const Logger& log) {
    try {
        bus.notify(event, payload);
    } catch (const std::exception& e) {
        log.error("cannot fire '", event, "': ", e.what());
    }
}

} // namespace

struct ModuleManager::Impl final : DependencyResolver {
    Impl(ServerContext& c, const std::vector<std::string>& paths)
        : context(c), search_paths(paths) {}

    ServerContext& context;
    const std::vector<std::string>& search_paths;
    Logger log{"modules"};
    std::map<std::string, std::shared_ptr<ModuleLibrary>, std::less<>> libraries;
    std::vector<LoadedModule> loaded;                        // in the order loading completed
    std::map<const Host*, std::vector<std::string>> loading; // per host: the load stack
    std::set<std::pair<const Host*, std::string>> failed;

    LoadedModule* find(const Host& host, std::string_view name) {
        for (auto& m : loaded) {
            if (m.host == &host && m.name == name) {
                return &m;
            }
        }
        return nullptr;
    }

    // "a -> b -> a" when loading `name` now would close a cycle, empty otherwise.
    std::string cycle(const Host& host, std::string_view name) {
        const auto& stack = loading[&host];
        auto it = std::find(stack.begin(), stack.end(), name);
        if (it == stack.end()) {
            return {};
        }
        std::vector<std::string> chain(it, stack.end());
        chain.emplace_back(name);
        return join(chain, " -> ");
    }

    // The opened library, or null with `error` set. `for_host` only words the messages.
    std::shared_ptr<ModuleLibrary> library(std::string_view name, const std::string* for_host,
                                           std::vector<std::string>* searched, std::string& error) {
        if (!is_valid_module_name(name)) {
            error = "invalid module name '" + std::string(name) +
                    "': use letters, digits, '_' and '-' only";
            return nullptr;
        }
        if (auto it = libraries.find(name); it != libraries.end()) {
            return it->second;
        }
        LocateResult where = locate_module(name, search_paths);
        if (searched != nullptr) {
            *searched = where.searched;
        }
        if (where.found.empty()) {
            error = "module '" + std::string(name) + "'" +
                    (for_host != nullptr ? " for host '" + *for_host + "'" : std::string()) +
                    " not found; searched: " + join(where.searched, ", ");
            return nullptr;
        }
        OpenResult opened = open_module(where.found, name);
        if (!opened.library) {
            error = std::move(opened.error);
            return nullptr;
        }
        libraries.emplace(std::string(name), opened.library);
        return opened.library;
    }

    bool load(Host& host, std::string_view name) {
        if (const BuiltinModule* builtin = find_builtin_module(name)) {
            host.log.debug("built-in module ", name, ": done by ", builtin->done_by);
            return true;
        }
        if (find(host, name) != nullptr) {
            return true;
        }
        if (std::string chain = cycle(host, name); !chain.empty()) {
            host.log.error("dependency cycle on host '", host.name, "': ", chain);
            return false;
        }
        if (failed.count({&host, std::string(name)}) != 0) {
            host.log.debug("module '", name, "' already failed on this host");
            return false;
        }
        auto mark_failed = [&] {
            failed.emplace(static_cast<const Host*>(&host), std::string(name));
        };

        std::string error;
        std::shared_ptr<ModuleLibrary> lib = library(name, &host.name, nullptr, error);
        if (!lib) {
            host.log.error(error);
            mark_failed();
            return false;
        }

        auto& stack = loading[&host]; // std::map: the reference survives recursive loads
        stack.emplace_back(name);
        struct Pop {
            std::vector<std::string>& stack;
            ~Pop() { stack.pop_back(); }
        } pop{stack};

        for (const auto& dependency : lib->dependencies()) {
            if (!load(host, dependency)) {
                host.log.error("module '", name, "' not loaded on host '", host.name,
                               "': its dependency '", dependency, "' could not be loaded");
                mark_failed();
                return false;
            }
        }

        auto module = std::make_unique<ModuleContext>(context, host, std::string(name), *this);
        std::string failure;
        try {
            lib->definition().load(*module);
        } catch (const std::exception& e) {
            failure = e.what();
        } catch (...) {
            failure = "unknown exception";
        }
        if (!failure.empty()) {
            host.log.error("module '", name, "' failed to load on host '", host.name,
                           "': ", failure);
            module->release();
            mark_failed();
            return false;
        }

        loaded.push_back(LoadedModule{&host, std::string(name), lib, std::move(module)});
        host.log.info("module '", name, "' loaded from ", lib->path());
        // A handler may load further modules, so the payload must not point into `loaded`.
        const std::string module_name(name);
        events::ModuleLoaded payload{host.name, module_name};
        fire(host.events, events::kModuleLoaded, payload, host.log);
        fire(context.global_events, events::kModuleLoaded, payload, host.log);
        return true;
    }

    Service* resolve(Host& host, std::string_view module) override {
        if (find_builtin_module(module) != nullptr) {
            return nullptr;
        }
        // Reported by the caller's failed load, which names the module that asked.
        if (std::string chain = cycle(host, module); !chain.empty()) {
            throw std::runtime_error("dependency cycle: " + chain);
        }
        if (!load(host, module)) {
            throw std::runtime_error("its dependency '" + std::string(module) +
                                     "' could not be loaded");
        }
        return find(host, module)->context->service();
    }

    void unload(LoadedModule& m) {
        const ModuleDefinition& def = m.library->definition();
        if (def.unload != nullptr) {
            try {
                def.unload(*m.context);
            } catch (const std::exception& e) {
                m.host->log.error("module '", m.name, "' failed to unload: ", e.what());
            } catch (...) {
                m.host->log.error("module '", m.name, "' failed to unload: unknown exception");
            }
        }
        m.context->release();
        m.host->log.debug("module '", m.name, "' unloaded");
        events::ModuleUnloaded payload{m.host->name, m.name};
        fire(m.host->events, events::kModuleUnloaded, payload, m.host->log);
        fire(context.global_events, events::kModuleUnloaded, payload, m.host->log);
    }

    void unload_all() {
        while (!loaded.empty()) {
            // Out of the list first, so nothing finds a module while it unloads.
            LoadedModule m = std::move(loaded.back());
            loaded.pop_back();
            unload(m);
        }
        failed.clear();
    }
};

ModuleManager::ModuleManager(ServerContext& context)
    : search_paths_(module_search_paths(context.global_options, context.config.path)) {
    impl_ = std::make_unique<Impl>(context, search_paths_);
}

ModuleManager::~ModuleManager() {
    impl_->unload_all();
}

std::vector<std::string> ModuleManager::configured_modules(const Host& host) const {
    const ServerContext& context = impl_->context;
    const config::Section* section = context.config.find_host(host.name);
    // A view with an empty global section reads only the host's own values, with get_list's
    // conversions and errors.
    config::Section no_global;
    no_global.name = "*";
    auto own_list = [&](std::string_view option) -> std::vector<std::string> {
        if (section == nullptr) {
            return {};
        }
        return config::SectionOptions(section, no_global).get_list(option);
    };

    std::vector<std::string> enabled;
    std::vector<std::string> disabled;
    if (host.kind == config::SectionKind::kComponent) {
        if (!host.component_module.empty()) {
            enabled.push_back(host.component_module);
        }
        append_unique(enabled, own_list("modules_enabled"));
        disabled = own_list("modules_disabled");
    } else {
        append_unique(enabled, context.global_options.get_list("modules_enabled"));
        append_unique(enabled, own_list("modules_enabled"));
        disabled = context.global_options.get_list("modules_disabled");
        append_unique(disabled, own_list("modules_disabled"));
    }
    std::erase_if(enabled, [&](const std::string& name) {
        return std::find(disabled.begin(), disabled.end(), name) != disabled.end();
    });
    return enabled;
}

std::size_t ModuleManager::load_all() {
    // Read every host's list first: a config error then stops before anything is loaded.
    std::vector<std::pair<Host*, std::vector<std::string>>> plan;
    for (auto& host : impl_->context.hosts) {
        plan.emplace_back(host.get(), configured_modules(*host));
    }
    std::size_t failures = 0;
    for (auto& [host, names] : plan) {
        for (const auto& name : names) {
            if (!load(*host, name)) {
                ++failures;
            }
        }
    }
    return failures;
}

bool ModuleManager::load(Host& host, std::string_view name) {
    return impl_->load(host, name);
}

bool ModuleManager::is_loaded(const Host& host, std::string_view name) const {
    return impl_->find(host, name) != nullptr;
}

void ModuleManager::unload_all() {
    impl_->unload_all();
}

ProbeResult ModuleManager::probe(std::string_view name) const {
    ProbeResult result;
    if (find_builtin_module(name) != nullptr) {
        result.ok = true;
        result.builtin = true;
        return result;
    }
    std::shared_ptr<ModuleLibrary> lib =
        impl_->library(name, nullptr, &result.searched, result.error);
    if (!lib) {
        return result;
    }
    result.ok = true;
    result.path = lib->path();
    result.options = lib->declared_options();
    return result;
}

} // namespace cadenza::modules
