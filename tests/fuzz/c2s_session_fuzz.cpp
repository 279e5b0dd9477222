// Fuzzes a whole client session: a C2sConnection fed arbitrary bytes after a valid stream
// header, in process. The connection gets one end of a socketpair(); the target writes the
// input into the other end, runs the event loop until the server is idle, and reads what the
// server answered. No network is involved.
//
// The context is built once, as xmpp/xmpp_service.cpp builds it: an in-memory database, the
// VirtualHost "localhost" (plus a Component), accounts juliet/pencil and romeo/pencil,
// c2s_require_encryption = false and allow_unencrypted_plain_auth = true so SASL runs in
// plaintext, in-band registration on. Each input gets fresh connections; the accounts (and
// with them rosters) and the SASL throttle are reset between inputs, so inputs stay independent.
//
// Input: the bytes the client sends after the header. A NUL byte ends one write: the target
// waits until the server is idle before the next one, as a client waits for <success/> before
// it restarts the stream. Two NULs in a row send one NUL byte. A write that starts with \x01
// comes from a second client (connected, with its own header, on first use), so sessions can
// meet: messages and presence between them, a bind that replaces the other (conflict). At the
// end the clients close their side; a session still open then gets system-shutdown.
//
// Checked: no crash, leak or sanitizer report; what the server sent parses as a well-formed
// XMPP stream from the client's side (restarted after <success/>); every session leaves the
// session registry when its connection ends. With CADENZA_FUZZ_TRACE set in the environment,
// the server's output is printed (to read what a reproducer does).
#include "accounts/account_store.hpp"
#include "accounts/roster_store.hpp"
#include "accounts/server_secrets.hpp"
#include "config/config.hpp"
#include "log/log_sinks.hpp"
#include "server/host.hpp"
#include "server/server_context.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/c2s_connection.hpp"
#include "xmpp/c2s_context.hpp"
#include "xmpp/c2s_server.hpp"
#include "xmpp/local_accounts.hpp"
#include "xmpp/presence_service.hpp"
#include "xmpp/roster_service.hpp"
#include "xmpp/server_iq.hpp"
#include "xmpp/session_registry.hpp"
#include "xmpp/stanza_router.hpp"

#include <cadenza/storage.hpp>

#include <event2/event.h>

#include <linux/sockios.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace cadenza;

constexpr std::string_view kConfig = R"(
c2s_require_encryption = false
allow_unencrypted_plain_auth = true
allow_registration = true
c2s_stanza_size_limit = 16384
VirtualHost "localhost"
Component "muc.localhost" "muc"
)";

constexpr std::string_view kHeader =
    "<?xml version='1.0'?><stream:stream to='localhost' xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>";

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "c2s_session_fuzz: %s\n  %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

// Everything XmppService::Impl holds, wired the same way. Lives for the whole run.
struct World {
    struct event_base* base;
    config::Config config;
    ServerContext context;
    storage::Database database{":memory:", nullptr}; // no loop: every write commits at once
    accounts::AccountStore accounts{database, 16};   // few PBKDF2 rounds: accounts are reset often
    accounts::RosterStore roster_store{database};
    accounts::ServerSecrets secrets{database};
    xmpp::SessionRegistry sessions;
    xmpp::StanzaRouter router{context, sessions, accounts};
    xmpp::RosterService roster{roster_store, sessions, router};
    xmpp::PresenceService presence{sessions, roster, router};
    xmpp::LocalAccounts local_accounts{context, accounts, roster_store};
    xmpp::C2sContext c2s_context;
    xmpp::C2sServer c2s;

    World()
        : base(event_base_new()),
          config(config::load_config_string(kConfig, "c2s_session_fuzz.cfg.lua")),
          context(base, config), c2s_context{context,
                                             xmpp::read_c2s_settings(context.global_options),
                                             nullptr,
                                             accounts,
                                             router,
                                             sessions,
                                             presence,
                                             secrets.get_or_create(accounts::kSaslDecoySecret, 32),
                                             {},
                                             nullptr},
          c2s(c2s_context) {
        for (const auto& section : config.hosts) {
            context.hosts.push_back(std::make_unique<Host>(section, config.global));
        }
        router.set_presence_inbound(
            [this](Stanza stanza, const Jid& to) { presence.inbound(std::move(stanza), to); });
        roster.set_removal_hook([this](const Jid& user, const accounts::RosterItem& item) {
            presence.item_removed(user, item);
        });
        for (auto& host : context.hosts) {
            xmpp::install_server_iq(context, *host, c2s_context.settings.allow_registration);
            if (host->kind == config::SectionKind::kVirtualHost) {
                roster.install(*host);
            }
        }
        context.stanzas = &router;
        context.accounts = &local_accounts;
        context.database = &database;
    }

    // Back to juliet and romeo with empty rosters, and no SASL failures remembered.
    void reset() {
        for (const auto& account : accounts.list("localhost")) {
            accounts.remove("localhost", account.username);
        }
        accounts.create("localhost", "juliet", "pencil");
        accounts.create("localhost", "romeo", "pencil");
        c2s_context.throttle = {};
    }
};

World& world() {
    static World* w = [] {
        // Every line is formatted (the code paths count) and dropped: no sink, a no-op capture.
        logging::set_sinks({});
        logging::set_capture([](LogLevel, std::string_view, std::string_view) {});
        return new World(); // never freed: connections may still reference it at exit
    }();
    return *w;
}

// The client's view of the server's output: one stream, restarted after <success/>.
class OutputChecker {
public:
    OutputChecker()
        : parser_(
              xml::StreamParser::Callbacks{
                  nullptr,
                  [this](Stanza stanza) {
                      if (stanza.name() == "success") {
                          parser_.reset();
                      }
                  },
                  nullptr,
                  [this](std::string_view condition, std::string_view text) {
                      error_ = std::string(condition) + ": " + std::string(text);
                  }},
              limits()) {}

    void check(std::string_view output) {
        while (!output.empty() && error_.empty() && !parser_.closed()) {
            std::size_t used = parser_.feed(output);
            output.remove_prefix(used);
            if (parser_.stopped()) {
                break;
            }
        }
        if (!error_.empty()) {
            fail("the server's output is not a well-formed stream", error_);
        }
    }

private:
    static xml::StreamLimits limits() {
        xml::StreamLimits l;
        l.max_stanza_bytes = std::numeric_limits<std::size_t>::max();
        l.max_tag_bytes = std::numeric_limits<std::size_t>::max();
        l.max_depth = 1000;
        l.max_attributes = 1000;
        return l;
    }

    std::string error_;
    xml::StreamParser parser_;
};

// One client: its end of the socketpair, the server's connection for the other end, and
// everything the server sent it.
struct Client {
    int fd = -1;
    std::unique_ptr<xmpp::C2sConnection> connection;
    std::string output;
};

// Up to two clients on the one event loop; the second connects when the input first
// addresses it.
class Harness {
public:
    explicit Harness(World& w) : world_(w) {}

    ~Harness() {
        for (Client& c : clients_) {
            if (c.connection) {
                ::shutdown(c.fd, SHUT_WR);
            }
        }
        run_until_idle();
        for (Client& c : clients_) {
            if (c.connection && !c.connection->closed()) {
                c.connection->shut_down();
            }
        }
        run_until_idle();
        for (Client& c : clients_) {
            if (c.connection && !c.connection->closed()) {
                fail("a connection did not close after system-shutdown", c.output);
            }
        }
        for (Client& c : clients_) {
            c.connection.reset();
        }
        event_base_loop(world_.base, EVLOOP_NONBLOCK); // the reaper, with nothing to free
        for (Client& c : clients_) {
            if (c.fd < 0) {
                continue;
            }
            ::close(c.fd);
            if (std::getenv("CADENZA_FUZZ_TRACE") != nullptr) {
                std::fprintf(stderr, "server output:\n%s\n", c.output.c_str());
            }
            OutputChecker().check(c.output);
        }
        if (world_.sessions.size() != 0) {
            fail("a closed connection left its session registered", clients_[0].output);
        }
    }

    // Sends `bytes` from client `which` (0 or 1), then lets the server work until it is idle.
    void send(std::size_t which, std::string_view bytes) {
        Client& c = client(which);
        while (!bytes.empty() && !c.connection->closed()) {
            ssize_t n = ::send(c.fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n > 0) {
                bytes.remove_prefix(static_cast<std::size_t>(n));
            } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                return; // the server closed its end
            }
            run_until_idle();
        }
        run_until_idle();
    }

private:
    Client& client(std::size_t which) {
        Client& c = clients_[which];
        if (c.connection) {
            return c;
        }
        int fds[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) != 0) {
            fail("socketpair failed", std::strerror(errno));
        }
        c.fd = fds[1];
        // Different addresses: the SASL throttle counts per address.
        c.connection = std::make_unique<xmpp::C2sConnection>(
            world_.c2s_context, fds[0], which == 0 ? "192.0.2.1:5222" : "192.0.2.2:5222", false);
        send(which, kHeader);
        return c;
    }

    bool all_closed() const {
        for (const Client& c : clients_) {
            if (c.connection && !c.connection->closed()) {
                return false;
            }
        }
        return true;
    }

    // Runs the loop without blocking until a few turns in a row change nothing: no output,
    // no input consumed. Timers (the SASL failure delay) never fire in that time.
    void run_until_idle() {
        int idle = 0;
        long unread = -1;
        for (int turn = 0; turn < 10000 && idle < 4 && !all_closed(); ++turn) {
            event_base_loop(world_.base, EVLOOP_NONBLOCK);
            std::size_t got = 0;
            long pending = 0;
            for (Client& c : clients_) {
                if (c.fd >= 0) {
                    got += read_output(c);
                    int queued = 0;
                    ioctl(c.fd, SIOCOUTQ, &queued);
                    pending += queued;
                }
            }
            idle = got == 0 && pending == unread ? idle + 1 : 0;
            unread = pending;
        }
        for (Client& c : clients_) {
            if (c.fd >= 0) {
                read_output(c);
            }
        }
    }

    static std::size_t read_output(Client& c) {
        std::size_t total = 0;
        char buffer[16384];
        while (true) {
            ssize_t n = ::recv(c.fd, buffer, sizeof buffer, 0);
            if (n <= 0) {
                return total;
            }
            c.output.append(buffer, static_cast<std::size_t>(n));
            total += static_cast<std::size_t>(n);
        }
    }

    World& world_;
    Client clients_[2];
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    World& w = world();
    w.reset();
    std::string_view input(reinterpret_cast<const char*>(data), size);
    {
        Harness harness(w);
        harness.send(0, {});
        std::string segment;
        auto flush = [&] {
            // A segment starting with \x01 is the second client's.
            bool second = !segment.empty() && segment.front() == '\x01';
            harness.send(second ? 1 : 0, std::string_view(segment).substr(second ? 1 : 0));
            segment.clear();
        };
        for (std::size_t i = 0; i < input.size(); ++i) {
            if (input[i] != '\0') {
                segment.push_back(input[i]);
            } else if (i + 1 < input.size() && input[i + 1] == '\0') {
                segment.push_back('\0');
                ++i;
            } else {
                flush();
            }
        }
        flush();
    }
    return 0;
}
