// The Module object: what a module's load function gets for the host it is loaded on (Prosody's
// `module`). Owned by the core, valid from load until after unload; loop thread only.
//
// Everything registered through it (hooks, HTTP routes and the streams they opened, timers,
// the provided service) is released by the core when the module unloads.
#pragma once

#include <cadenza/accounts.hpp>
#include <cadenza/api.hpp>
#include <cadenza/config.hpp>
#include <cadenza/hooks.hpp>
#include <cadenza/http.hpp>
#include <cadenza/log.hpp>
#include <cadenza/stanza.hpp>
#include <cadenza/storage.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct event_base;

namespace cadenza {

// Base of the interfaces modules offer each other (e.g. the pubsub service). A module provides
// one with Module::provide(); others reach it with Module::depends<T>("name").
class Service {
public:
    virtual ~Service() = default;
};

using TimerId = std::uint64_t;

class Module {
public:
    virtual ~Module() = default;

    virtual const std::string& name() const = 0;
    virtual const std::string& host() const = 0;
    // Options of this host, falling back to the global section.
    virtual const Options& options() const = 0;
    // Logger tagged "host:module" (as Prosody tags its module log lines).
    virtual const Logger& log() const = 0;

    // The host's hook bus and the global one. Prefer hook()/hook_global() below: they record
    // the module as the owner and remove the hook at unload.
    virtual HookBus& events() = 0;
    virtual HookBus& global_events() = 0;

    template <typename Payload>
    HookId hook(std::string_view event, std::function<HookResult(Payload&)> handler,
                int priority = hook_priority::kDefault) {
        HookId id = events().add<Payload>(event, std::move(handler), priority, name());
        track_hook(events(), id);
        return id;
    }
    template <typename Payload>
    HookId observe(std::string_view event, std::function<void(Payload&)> handler,
                   int priority = hook_priority::kDefault) {
        HookId id = events().observe<Payload>(event, std::move(handler), priority, name());
        track_hook(events(), id);
        return id;
    }
    template <typename Payload>
    HookId hook_global(std::string_view event, std::function<HookResult(Payload&)> handler,
                       int priority = hook_priority::kDefault) {
        HookId id = global_events().add<Payload>(event, std::move(handler), priority, name());
        track_hook(global_events(), id);
        return id;
    }
    // Removes a hook before unload (rarely needed).
    virtual void unhook(HookId id) = 0;

    // Fires an event on this host's bus (see HookBus for the two kinds).
    template <typename Payload> std::size_t notify(std::string_view event, Payload& payload) {
        return events().notify(event, payload);
    }
    template <typename Payload> bool dispatch(std::string_view event, Payload& payload) {
        return events().dispatch(event, payload);
    }

    // Offers this module's service interface to modules that depend on it. Once per load.
    virtual void provide(std::shared_ptr<Service> service) = 0;
    // Loads module `module` on this host first (if it is not loaded yet) and returns the
    // service it provides. Throws std::runtime_error when it cannot be loaded, when loading it
    // would close a dependency cycle, or when it provides no service of type T.
    template <typename T> T& depends(std::string_view module) {
        Service* service = depends_service(module);
        auto* typed = dynamic_cast<T*>(service);
        if (typed == nullptr) {
            throw std::runtime_error("module '" + std::string(module) +
                                     "' provides no service of the requested type");
        }
        return *typed;
    }
    // The untyped form; nullptr when the module loaded but provides no service.
    virtual Service* depends_service(std::string_view module) = 0;

    // Mounts a route set (see http.hpp). Throws std::runtime_error naming both modules when
    // another route set is already mounted at the same Host and path.
    virtual void provides_http(http::RouteSet routes) = 0;
    // The path the route set named `name` is (or would be) mounted at: http_paths[name] or
    // "/name".
    virtual std::string http_path(std::string_view name) const = 0;

    // Routes a stanza as the server would (by its 'to'); 'from' must be set by the module,
    // normally to its host or an address on it.
    virtual void send(Stanza stanza) = 0;
    // Service discovery (XEP-0030) of this host, answered by the core unless a module handles
    // disco itself: features, identities and items this module adds are removed at unload.
    virtual void add_feature(std::string_view var) = 0;
    virtual void add_identity(std::string_view category, std::string_view type,
                              std::string_view name = {}) = 0;
    virtual void add_item(std::string_view jid, std::string_view name = {}) = 0;

    // The server's embedded store (one SQLite database shared by all modules; keep your tables
    // prefixed with the module's name and create them with Database::migrate).
    virtual storage::Database& database() = 0;
    // Local accounts (existence, passwords, presence subscriptions).
    virtual Accounts& accounts() = 0;

    // Runs `callback` after `delay`; it returns the next delay to run again, or nullopt to
    // stop. Exceptions are caught and logged (and stop the timer).
    virtual TimerId add_timer(
        std::chrono::milliseconds delay,
        std::function<std::optional<std::chrono::milliseconds>()> callback) = 0;
    virtual void cancel_timer(TimerId id) = 0;

    // The server's libevent loop, for modules that do their own I/O.
    virtual struct event_base* event_base() = 0;

protected:
    virtual void track_hook(HookBus& bus, HookId id) = 0;
};

} // namespace cadenza
