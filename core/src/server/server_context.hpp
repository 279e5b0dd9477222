// What the server's subsystems share: the loop, the configuration, the hosts, the global hook
// bus and the HTTP router. Owned by Server (or by cadenzactl for `check config`); everything
// here lives until the server object is destroyed.
#pragma once

#include "config/config.hpp"
#include "http/router.hpp"
#include "server/host.hpp"

#include <cadenza/hooks.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct event_base;

namespace cadenza {

class Accounts;

namespace http {
class HttpServer;
}
namespace xmpp {
class StanzaSink;
}
namespace storage {
class Database;
}

struct ServerContext {
    ServerContext(struct event_base* loop, const config::Config& cfg)
        : base(loop), config(cfg), global_options(nullptr, cfg.global) {}

    struct event_base* base; // null in cadenzactl
    const config::Config& config;
    config::SectionOptions global_options;
    HookBus global_events{"global"};
    std::vector<std::unique_ptr<Host>> hosts; // enabled hosts, in config order
    http::Router router;
    http::HttpServer* http = nullptr; // null when not serving (cadenzactl)
    xmpp::StanzaSink* stanzas = nullptr; // null until XMPP routing runs (and in cadenzactl)
    storage::Database* database = nullptr; // the embedded store; null in cadenzactl checks
    Accounts* accounts = nullptr;          // set by the XMPP service

    Host* find_host(std::string_view name) {
        for (auto& h : hosts) {
            if (h->name == name) {
                return h.get();
            }
        }
        return nullptr;
    }
};

} // namespace cadenza
