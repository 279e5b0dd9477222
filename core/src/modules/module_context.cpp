#include "modules/module_context.hpp"

#include "http/http_server.hpp"
#include "xmpp/stanza_sink.hpp"

#include <algorithm>
#include <stdexcept>

namespace cadenza::modules {
namespace {

// http_paths[name] in one section's table, when set.
std::optional<std::string> path_in(const ConfigValue* paths, std::string_view name) {
    if (paths == nullptr) {
        return std::nullopt;
    }
    if (!paths->is_table()) {
        throw ConfigError(paths->where.str() + ": option 'http_paths' must be a table, not " +
                          paths->type_name());
    }
    const auto& map = paths->as_table().map;
    auto it = map.find(name);
    if (it == map.end()) {
        return std::nullopt;
    }
    if (!it->second.is_string()) {
        throw ConfigError(it->second.where.str() + ": option 'http_paths' entry '" +
                          std::string(name) + "' must be a string, not " + it->second.type_name());
    }
    return it->second.as_string();
}

// "eventsource" and "/eventsource/" become "/eventsource"; "" and "/" stay the root.
std::string normalize_base(std::string path) {
    if (path.empty() || path.front() != '/') {
        path.insert(path.begin(), '/');
    }
    while (path.size() > 1 && path.back() == '/') {
        path.pop_back();
    }
    return path;
}

} // namespace

ModuleContext::ModuleContext(ServerContext& server, Host& host, std::string name,
                             DependencyResolver& resolver)
    : server_(server), host_(host), name_(std::move(name)), log_(host.name + ":" + name_),
      resolver_(resolver), timers_(server.base, log_) {}

ModuleContext::~ModuleContext() {
    release();
}

void ModuleContext::track_hook(HookBus& bus, HookId id) {
    hooks_.emplace_back(&bus, id);
}

void ModuleContext::unhook(HookId id) {
    // Ids are unique across buses, so the id alone finds the hook.
    auto it =
        std::find_if(hooks_.begin(), hooks_.end(), [id](const auto& h) { return h.second == id; });
    if (it != hooks_.end()) {
        it->first->remove(id);
        hooks_.erase(it);
    }
}

void ModuleContext::provide(std::shared_ptr<Service> service) {
    if (!service) {
        throw std::invalid_argument("module '" + name_ + "' provided a null service");
    }
    if (service_) {
        throw std::logic_error("module '" + name_ + "' on host '" + host_.name +
                               "' already provides a service");
    }
    service_ = std::move(service);
}

Service* ModuleContext::depends_service(std::string_view module) {
    if (module == name_) {
        throw std::runtime_error("module '" + name_ + "' cannot depend on itself");
    }
    return resolver_.resolve(host_, module);
}

std::string ModuleContext::http_path(std::string_view name) const {
    // The host's own table first, then the global one, so a host may move one route set
    // without repeating the others.
    auto path = path_in(host_.options.find_own("http_paths"), name);
    if (!path) {
        path = path_in(server_.global_options.find("http_paths"), name);
    }
    return normalize_base(path ? *path : "/" + std::string(name));
}

void ModuleContext::provides_http(http::RouteSet routes) {
    if (routes.name.empty()) {
        routes.name = name_;
    }
    std::string base = http_path(routes.name);
    std::string http_host = host_.options.get_string("http_host", host_.name);
    std::string owner = "module '" + name_ + "' on host '" + host_.name + "'";
    http::MountId id = server_.router.mount(http_host, base, std::move(owner), std::move(routes));
    mounts_.push_back(id);
    log_.debug("HTTP routes mounted at http://", http_host, base);
}

TimerId
ModuleContext::add_timer(std::chrono::milliseconds delay,
                         std::function<std::optional<std::chrono::milliseconds>()> callback) {
    return timers_.add(delay, std::move(callback));
}

void ModuleContext::cancel_timer(TimerId id) {
    timers_.cancel(id);
}

void ModuleContext::release() {
    for (const auto& [bus, id] : hooks_) {
        bus->remove(id);
    }
    hooks_.clear();
    timers_.cancel_all();
    for (http::MountId id : mounts_) {
        // Streams first: their close callbacks may still use the routes' state.
        try {
            if (server_.http != nullptr) {
                server_.http->close_streams(id, sse::CloseReason::kShutdown);
            }
            server_.router.unmount(id);
        } catch (const std::exception& e) {
            log_.error("cannot remove HTTP routes: ", e.what());
        }
    }
    mounts_.clear();
    host_.disco.remove_owner(name_);
    service_.reset();
}

void ModuleContext::send(Stanza stanza) {
    if (server_.stanzas == nullptr) {
        log_.warn("cannot send a stanza: XMPP routing is not running");
        return;
    }
    server_.stanzas->route_from_server(std::move(stanza));
}

storage::Database& ModuleContext::database() {
    if (server_.database == nullptr) {
        throw std::runtime_error("no storage in this process");
    }
    return *server_.database;
}

Accounts& ModuleContext::accounts() {
    if (server_.accounts == nullptr) {
        throw std::runtime_error("no accounts in this process");
    }
    return *server_.accounts;
}

void ModuleContext::add_feature(std::string_view var) {
    host_.disco.add_feature(std::string(var), name_);
}

void ModuleContext::add_identity(std::string_view category, std::string_view type,
                                 std::string_view name) {
    host_.disco.add_identity({std::string(category), std::string(type), std::string(name)}, name_);
}

void ModuleContext::add_item(std::string_view jid, std::string_view name) {
    host_.disco.add_item({std::string(jid), std::string(name)}, name_);
}

} // namespace cadenza::modules
