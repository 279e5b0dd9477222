#include "xmpp/xmpp_service.hpp"

#include "accounts/account_store.hpp"
#include "accounts/roster_store.hpp"
#include "accounts/server_secrets.hpp"
#include "server/server_context.hpp"
#include "xmpp/c2s_server.hpp"
#include "xmpp/local_accounts.hpp"
#include "xmpp/presence_service.hpp"
#include "xmpp/roster_service.hpp"
#include "xmpp/server_iq.hpp"
#include "xmpp/stanza_router.hpp"

namespace cadenza::xmpp {

namespace {
const Logger kLog("xmpp");
} // namespace

struct XmppService::Impl {
    Impl(ServerContext& c, storage::Database& db, SSL_CTX* tls)
        : context(c), accounts(db), roster_store(db), secrets(db),
          router(c, sessions, accounts), roster(roster_store, sessions, router),
          presence(sessions, roster, router), local_accounts(c, accounts, roster_store),
          c2s_context{c,
                      read_c2s_settings(c.global_options),
                      tls,
                      accounts,
                      router,
                      sessions,
                      presence,
                      secrets.get_or_create(accounts::kSaslDecoySecret, 32),
                      {},
                      nullptr},
          c2s(c2s_context) {}

    ServerContext& context;
    accounts::AccountStore accounts;
    accounts::RosterStore roster_store;
    accounts::ServerSecrets secrets;
    SessionRegistry sessions;
    StanzaRouter router;
    RosterService roster;
    PresenceService presence;
    LocalAccounts local_accounts;
    C2sContext c2s_context;
    C2sServer c2s;
    std::vector<std::pair<HookBus*, HookId>> hooks;
};

XmppService::XmppService(ServerContext& context, storage::Database& database, SSL_CTX* tls)
    : impl_(std::make_unique<Impl>(context, database, tls)) {
    Impl& s = *impl_;
    s.router.set_presence_inbound(
        [&s](Stanza presence, const Jid& to) { s.presence.inbound(std::move(presence), to); });
    s.roster.set_removal_hook([&s](const Jid& user, const accounts::RosterItem& item) {
        s.presence.item_removed(user, item);
    });
    bool registration = s.c2s_context.settings.allow_registration;
    for (auto& host : context.hosts) {
        for (HookId id : install_server_iq(context, *host, registration)) {
            s.hooks.emplace_back(&host->events, id);
        }
        if (host->kind == config::SectionKind::kVirtualHost) {
            for (HookId id : s.roster.install(*host)) {
                s.hooks.emplace_back(&host->events, id);
            }
        }
    }
    context.stanzas = &s.router;
    context.accounts = &s.local_accounts;
    if (tls == nullptr && s.c2s_context.settings.require_encryption &&
        !s.c2s_context.settings.addresses.empty()) {
        kLog.warn("c2s_require_encryption is on but there is no certificate (ssl = { "
                  "certificate = ..., key = ... }): clients cannot log in");
    }
}

XmppService::~XmppService() {
    impl_->context.stanzas = nullptr;
    impl_->context.accounts = nullptr;
    for (auto& [bus, id] : impl_->hooks) {
        bus->remove(id);
    }
}

void XmppService::listen() { impl_->c2s.listen(); }

std::vector<int> XmppService::bound_ports() const { return impl_->c2s.bound_ports(); }

void XmppService::shut_down() {
    impl_->c2s.close_listeners();
    impl_->c2s.shut_down_all();
}

} // namespace cadenza::xmpp
