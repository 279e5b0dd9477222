// Delivers stanzas (RFC 6120 §10, RFC 6121 §8): to a host's hook bus first, then to the
// core's defaults: client sessions for accounts, service-unavailable for iq nobody handled,
// remote-server-not-found for domains that are not ours (there is no s2s).
#pragma once

#include "xmpp/session_registry.hpp"
#include "xmpp/stanza_sink.hpp"

#include <cadenza/xmpp.hpp>

#include <functional>
#include <string_view>

namespace cadenza {
struct ServerContext;
struct Host;
namespace accounts {
class AccountStore;
}
} // namespace cadenza

namespace cadenza::xmpp {

class StanzaRouter final : public StanzaSink {
public:
    // Presence to an account is the presence logic's job; it is handed over through this.
    using PresenceInbound = std::function<void(Stanza presence, const Jid& to)>;

    StanzaRouter(ServerContext& context, SessionRegistry& sessions,
                 accounts::AccountStore& accounts);

    void set_presence_inbound(PresenceInbound handler) { presence_inbound_ = std::move(handler); }

    // Routes a stanza from a bound client ('from' already stamped with its full JID) or from
    // the server (`origin` = server_origin()).
    void route(Stanza stanza, Origin& origin);
    void route_from_server(Stanza stanza) override;
    Origin& server_origin() { return server_origin_; }

    // Answers `request` with a stanza error, unless it is an error or result itself.
    void bounce(const Stanza& request, std::string_view type, std::string_view condition,
                std::string_view text = {});

    // True when the account exists (a bound session proves it without asking the store).
    bool account_exists(const Jid& bare);

private:
    class ServerOrigin final : public Origin {
    public:
        explicit ServerOrigin(StanzaRouter& router) : router_(router) {}
        Kind kind() const override { return Kind::kServer; }
        const std::optional<Jid>& jid() const override { return none_; }
        void send(Stanza stanza) override { router_.route_from_server(std::move(stanza)); }

    private:
        StanzaRouter& router_;
        std::optional<Jid> none_;
    };

    bool fire_hooks(Host& host, Stanza& stanza, Origin& origin, const Jid& to);
    void to_account(Stanza stanza, const Jid& to);
    void deliver_message(Stanza stanza, const Jid& to);

    ServerContext& context_;
    SessionRegistry& sessions_;
    accounts::AccountStore& accounts_;
    ServerOrigin server_origin_;
    PresenceInbound presence_inbound_;
};

} // namespace cadenza::xmpp
