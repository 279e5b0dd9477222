// Presence (RFC 6121 §3, §4): broadcasts of a session's presence to the contacts subscribed to
// it, presence of contacts delivered at login, directed presence, and the subscription
// handshake (subscribe, subscribed, unsubscribe, unsubscribed) with its roster changes.
// Contacts are local accounts: without s2s, presence to other domains is dropped.
#pragma once

#include "xmpp/roster_service.hpp"

namespace cadenza::xmpp {

class PresenceService {
public:
    PresenceService(SessionRegistry& sessions, RosterService& roster, StanzaRouter& router);

    // Presence sent by a bound client ('from' stamped).
    void outbound(ClientSession& session, Stanza presence);
    // Presence addressed to an existing local account (the router's default).
    void inbound(Stanza presence, const Jid& to);
    // The session ends: unavailable to whoever saw it available.
    void session_closed(ClientSession& session);
    // A roster set removed an item: cancel the subscriptions it carried (RFC 6121 §2.5.2).
    void item_removed(const Jid& user, const accounts::RosterItem& item);

private:
    void broadcast(ClientSession& session, const Stanza& presence);
    void send_contacts_presence_to(ClientSession& session);
    void deliver_to_available(const Jid& bare, const Stanza& presence);
    void outbound_subscription(const Jid& user, std::string_view type, const Jid& contact);
    void inbound_subscription(Stanza presence, const Jid& user, const Jid& contact);
    void send_presence_of(const Jid& user, const Jid& to, bool available);
    void route(Stanza stanza, const Jid& from, const Jid& to);

    SessionRegistry& sessions_;
    RosterService& roster_;
    StanzaRouter& router_;
};

} // namespace cadenza::xmpp
