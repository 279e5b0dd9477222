#include "server/server.hpp"

#include "http/http_server.hpp"
#include "http/connection_limits.hpp"
#include "log/log_sinks.hpp"
#include "modules/module_manager.hpp"
#include "net/tls_context.hpp"
#include "server/listen_config.hpp"
#include "server/log_config.hpp"
#include "server/paths.hpp"
#include "server/hosts.hpp"
#include "server/pidfile.hpp"
#include "server/server_context.hpp"
#include "server/storage_config.hpp"
#include "xmpp/xmpp_service.hpp"

#include <cadenza/events.hpp>
#include <cadenza/log.hpp>
#include <cadenza/storage.hpp>

#include <event2/event.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <optional>
#include <sstream>
#include <thread>

#ifndef CADENZA_VERSION
#define CADENZA_VERSION "dev"
#endif

namespace cadenza {
namespace {

const Logger kLog("server");

struct EventFree {
    void operator()(struct event* e) const { event_free(e); }
};
struct EventBaseFree {
    void operator()(struct event_base* b) const { event_base_free(b); }
};

// Streams are file descriptors: raise the soft limit to the hard one, as a busy SSE server
// needs (Prosody's posix module does the same with `ulimit`).
rlim_t raise_file_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) {
        return 0;
    }
    if (limit.rlim_cur < limit.rlim_max) {
        rlimit raised = limit;
        raised.rlim_cur = limit.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0) {
            limit = raised;
        }
    }
    return limit.rlim_cur;
}

} // namespace

struct Server::Impl {
    config::Config config;
    std::unique_ptr<struct event_base, EventBaseFree> base;
    std::unique_ptr<ServerContext> context;
    net::SslCtxPtr tls;
    net::SslCtxPtr c2s_tls;
    std::unique_ptr<storage::Database> database;
    std::unique_ptr<xmpp::XmppService> xmpp;
    std::unique_ptr<http::HttpServer> http;
    std::unique_ptr<modules::ModuleManager> modules;
    std::optional<Pidfile> pidfile;
    std::vector<std::unique_ptr<struct event, EventFree>> signals;
    bool stopping = false;

    void listen() {
        std::vector<std::string> virtual_hosts = virtual_host_names(*context);
        HttpPlan plan = plan_http(context->global_options, config.path, virtual_hosts);
        if (plan.tls) {
            try {
                tls = net::make_server_tls_context(plan.tls->certificate, plan.tls->key);
            } catch (const std::exception& e) {
                throw StartupError(std::string(e.what()) + " (from " + plan.tls->origin + ")");
            }
        } else if (!plan.tls_note.empty()) {
            kLog.info(plan.tls_note);
        }
        // Before the XMPP service starts: it derives its own cap from the same limit.
        rlim_t files = raise_file_limit();
        if (plan.limits.max_connections == 0) {
            plan.limits.max_connections = http::default_connection_caps(files).http;
            kLog.info("file descriptor limit ", files, "; HTTP connections capped at ",
                      plan.limits.max_connections, " (http_max_connections)");
        }
        if (plan.write_threads == 0) {
            plan.write_threads = std::clamp(std::thread::hardware_concurrency(), 1U, 8U);
        }
        kLog.info("event streams are written by ", plan.write_threads,
                  " thread(s) (http_write_threads)");
        http = std::make_unique<http::HttpServer>(base.get(), context->router, plan.limits,
                                                  tls.get(), plan.write_threads);
        http->set_trusted_proxies(std::move(plan.trusted_proxies));
        context->http = http.get();
        try {
            http->listen(plan.addresses);
        } catch (const std::exception& e) {
            throw StartupError(e.what());
        }
    }

    void open_storage() {
        StorageSettings storage = read_storage_settings(context->global_options, config.path);
        std::error_code ec;
        std::filesystem::create_directories(storage.data_path, ec);
        if (ec) {
            throw StartupError("cannot create data_path " + storage.data_path + ": " +
                               ec.message());
        }
        try {
            database = std::make_unique<storage::Database>(storage.database_file, base.get());
        } catch (const std::exception& e) {
            throw StartupError(e.what());
        }
        context->database = database.get();
        kLog.info("storage: ", storage.database_file);
    }

    void start_xmpp() {
        std::vector<std::string> virtual_hosts = virtual_host_names(*context);
        if (auto files = find_tls_files(context->global_options, config.path, virtual_hosts,
                                        {"c2s_ssl", "ssl"})) {
            try {
                c2s_tls = net::make_server_tls_context(files->certificate, files->key);
            } catch (const std::exception& e) {
                throw StartupError(std::string(e.what()) + " (from " + files->origin + ")");
            }
        }
        xmpp = std::make_unique<xmpp::XmppService>(*context, *database, c2s_tls.get());
        try {
            xmpp->listen();
        } catch (const std::exception& e) {
            throw StartupError(e.what());
        }
        std::ostringstream ports;
        for (int p : xmpp->bound_ports()) {
            ports << (ports.tellp() > 0 ? ", " : "") << p;
        }
        kLog.info("XMPP clients on port(s) ", ports.str(), c2s_tls ? " (STARTTLS)" : " (no TLS)");
    }

    void install_signals(Server& server) {
        auto add = [&](int signo, event_callback_fn fn, void* arg) {
            signals.emplace_back(evsignal_new(base.get(), signo, fn, arg));
            evsignal_add(signals.back().get(), nullptr);
        };
        auto on_stop = [](evutil_socket_t signo, short, void* arg) {
            kLog.info("received ", signo == SIGINT ? "SIGINT" : "SIGTERM", ", stopping");
            static_cast<Server*>(arg)->stop();
        };
        auto on_hup = [](evutil_socket_t, short, void*) {
            kLog.info("received SIGHUP, reopening log files");
            logging::reopen_files();
        };
        add(SIGTERM, on_stop, &server);
        add(SIGINT, on_stop, &server);
        add(SIGHUP, on_hup, nullptr);
        std::signal(SIGPIPE, SIG_IGN);
    }
};

Server::Server(const std::string& config_path) : impl_(std::make_unique<Impl>()) {
    impl_->config = config::load_config_file(config_path);
}

Server::~Server() {
    if (impl_->modules) {
        impl_->modules->unload_all();
    }
    impl_->signals.clear();
    impl_->modules.reset();
    impl_->xmpp.reset();
    impl_->http.reset();
    impl_->database.reset();
    impl_->context.reset();
}

void Server::start() {
    Impl& s = *impl_;
    config::SectionOptions global(nullptr, s.config.global);
    try {
        logging::set_sinks(parse_log_option(global.find("log"), s.config.path));
    } catch (const ConfigError&) {
        throw;
    } catch (const std::exception& e) {
        throw StartupError(e.what());
    }
    kLog.info("Cadenza ", CADENZA_VERSION, " starting with ", s.config.path);
    for (const auto& warning : s.config.warnings) {
        kLog.warn(warning);
    }

    s.base.reset(event_base_new());
    if (!s.base) {
        throw StartupError("cannot create the event loop");
    }
    s.context = std::make_unique<ServerContext>(s.base.get(), s.config);
    if (auto default_host = s.context->global_options.get_string("http_default_host")) {
        s.context->router.set_default_host(*default_host);
    }
    std::vector<std::string> host_problems;
    build_hosts(*s.context, host_problems);
    for (const auto& problem : host_problems) {
        kLog.error(problem);
    }
    s.open_storage();
    s.listen();
    s.start_xmpp();

    s.modules = std::make_unique<modules::ModuleManager>(*s.context);
    std::size_t failures = s.modules->load_all();
    if (failures > 0) {
        kLog.warn(failures, " module(s) failed to load; the server runs without them");
    }

    if (auto pidfile = s.context->global_options.get_string("pidfile")) {
        try {
            s.pidfile.emplace(resolve_config_path(s.config.path, *pidfile));
        } catch (const std::exception& e) {
            throw StartupError(e.what());
        }
    }
    s.install_signals(*this);
    events::ServerStarted started;
    s.context->global_events.notify(events::kServerStarted, started);
    kLog.info("server started with ", s.context->hosts.size(), " host(s)");
}

int Server::run() {
    event_base_dispatch(impl_->base.get());
    kLog.info("server stopped");
    return 0;
}

void Server::stop() {
    Impl& s = *impl_;
    if (s.stopping) {
        return;
    }
    s.stopping = true;
    events::ServerStopping stopping;
    s.context->global_events.notify(events::kServerStopping, stopping);
    s.http->close_listeners();
    s.xmpp->shut_down();
    s.http->close_all_streams(sse::CloseReason::kShutdown);
    s.modules->unload_all();
    if (s.database) {
        s.database->flush();
    }
    s.pidfile.reset();
    // Let queued closes flush briefly; never linger past the 5 s promised on SIGTERM.
    timeval grace{0, 200 * 1000};
    event_base_loopexit(s.base.get(), &grace);
}

} // namespace cadenza
