// The Module object a loaded module gets: one per (host, module). It records everything the
// module registers so the manager can release it all at unload.
#pragma once

#include "http/router.hpp"
#include "modules/module_timers.hpp"
#include "server/server_context.hpp"

#include <cadenza/module.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cadenza::modules {

// How a module reaches the other modules of its host (the ModuleManager implements it).
class DependencyResolver {
public:
    // Loads `module` on `host` first if needed and returns its service (nullptr when it provides
    // none). Throws std::runtime_error when it cannot be loaded or would close a cycle.
    virtual Service* resolve(Host& host, std::string_view module) = 0;

protected:
    ~DependencyResolver() = default;
};

class ModuleContext final : public Module {
public:
    // Borrows `server`, `host` and `resolver`, which outlive it.
    ModuleContext(ServerContext& server, Host& host, std::string name,
                  DependencyResolver& resolver);
    ~ModuleContext() override; // release()
    ModuleContext(const ModuleContext&) = delete;
    ModuleContext& operator=(const ModuleContext&) = delete;

    const std::string& name() const override { return name_; }
    const std::string& host() const override { return host_.name; }
    const Options& options() const override { return host_.options; }
    const Logger& log() const override { return log_; }
    HookBus& events() override { return host_.events; }
    HookBus& global_events() override { return server_.global_events; }
    void unhook(HookId id) override;
    void provide(std::shared_ptr<Service> service) override;
    Service* depends_service(std::string_view module) override;
    void provides_http(http::RouteSet routes) override;
    std::string http_path(std::string_view name) const override;
    void send(Stanza stanza) override;
    storage::Database& database() override;
    Accounts& accounts() override;
    void add_feature(std::string_view var) override;
    void add_identity(std::string_view category, std::string_view type,
                      std::string_view name) override;
    void add_item(std::string_view jid, std::string_view name) override;
    TimerId add_timer(std::chrono::milliseconds delay,
                      std::function<std::optional<std::chrono::milliseconds>()> callback) override;
    void cancel_timer(TimerId id) override;
    struct event_base* event_base() override {
        return server_.base;
    }

    // Releases everything the module registered: hooks, timers, HTTP mounts (closing their
    // streams first) and the provided service. Idempotent; never throws.
    void release();

    Service* service() const { return service_.get(); }
    std::size_t hook_count() const { return hooks_.size(); }
    std::size_t mount_count() const { return mounts_.size(); }
    std::size_t timer_count() const { return timers_.size(); }

protected:
    void track_hook(HookBus& bus, HookId id) override;

private:
    ServerContext& server_;
    Host& host_;
    std::string name_;
    Logger log_;
    DependencyResolver& resolver_;
    std::vector<std::pair<HookBus*, HookId>> hooks_;
    std::vector<http::MountId> mounts_;
    TimerSet timers_;
    std::shared_ptr<Service> service_;
};

} // namespace cadenza::modules
