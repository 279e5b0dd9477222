#include "xmpp/presence_service.hpp"

#include <charconv>

namespace cadenza::xmpp {
namespace {

using accounts::RosterItem;
using accounts::Subscription;

bool subscribed_from(Subscription s) { return s == Subscription::kFrom || s == Subscription::kBoth; }
bool subscribed_to(Subscription s) { return s == Subscription::kTo || s == Subscription::kBoth; }

bool is_subscription_type(std::string_view type) {
    return type == "subscribe" || type == "subscribed" || type == "unsubscribe" ||
           type == "unsubscribed";
}

int parse_priority(const Stanza& presence) {
    std::string text = presence.child_text("priority", xmlns::kClient);
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return 0;
    }
    return std::clamp(value, -128, 127);
}

} // namespace

PresenceService::PresenceService(SessionRegistry& sessions, RosterService& roster,
                                 StanzaRouter& router)
    : sessions_(sessions), roster_(roster), router_(router) {}

void PresenceService::route(Stanza stanza, const Jid& from, const Jid& to) {
    stanza.set_attr("from", from.str());
    stanza.set_attr("to", to.str());
    router_.route_from_server(std::move(stanza));
}

void PresenceService::outbound(ClientSession& session, Stanza presence) {
    std::string_view type = presence.attr("type");
    std::string_view to_attr = presence.attr("to");
    if (to_attr.empty()) {
        if (!type.empty() && type != "unavailable") {
            return; // probes and subscription types need a 'to'
        }
        bool initial = !session.available();
        if (type == "unavailable") {
            if (session.available()) {
                session.clear_presence();
                broadcast(session, presence);
            }
            return;
        }
        session.set_presence(presence.clone(), parse_priority(presence));
        broadcast(session, presence);
        if (initial) {
            send_contacts_presence_to(session);
        }
        return;
    }
    auto to = Jid::parse(to_attr);
    if (!to) {
        router_.bounce(presence, "modify", stanza_error::kJidMalformed);
        return;
    }
    if (is_subscription_type(type)) {
        outbound_subscription(session.full_jid().bare(), type, to->bare());
        return;
    }
    if (type == "probe") {
        return; // only servers probe
    }
    // Directed presence goes as it is; remember who saw us available (RFC 6121 §4.6.3).
    if (type.empty()) {
        session.directed_presence().insert(to->str());
    } else if (type == "unavailable") {
        session.directed_presence().erase(to->str());
    }
    router_.route(std::move(presence), session);
}

void PresenceService::broadcast(ClientSession& session, const Stanza& presence) {
    const Jid& from = session.full_jid();
    Jid user = from.bare();
    for (const RosterItem& item : roster_.items(user)) {
        if (!subscribed_from(item.subscription)) {
            continue;
        }
        if (auto contact = Jid::parse(item.contact)) {
            route(presence.clone(), from, *contact);
        }
    }
    // The user's own available resources see it too, the sender included (RFC 6121 §4.2.2).
    for (ClientSession* own : sessions_.sessions_of(user)) {
        if (own->available() || own == &session) {
            Stanza copy = presence.clone();
            copy.set_attr("from", from.str());
            copy.set_attr("to", own->full_jid().str());
            own->send(std::move(copy));
        }
    }
}

void PresenceService::send_contacts_presence_to(ClientSession& session) {
    Jid user = session.full_jid().bare();
    // What a probe would bring back: the presence of every contact the user is subscribed to.
    for (const RosterItem& item : roster_.items(user)) {
        if (!subscribed_to(item.subscription)) {
            continue;
        }
        auto contact = Jid::parse(item.contact);
        if (!contact) {
            continue;
        }
        for (ClientSession* other : sessions_.sessions_of(*contact)) {
            if (other->available() && other->presence() != nullptr) {
                Stanza copy = other->presence()->clone();
                copy.set_attr("from", other->full_jid().str());
                copy.set_attr("to", session.full_jid().str());
                session.send(std::move(copy));
            }
        }
    }
    // The user's other available resources.
    for (ClientSession* own : sessions_.sessions_of(user)) {
        if (own != &session && own->available() && own->presence() != nullptr) {
            Stanza copy = own->presence()->clone();
            copy.set_attr("from", own->full_jid().str());
            copy.set_attr("to", session.full_jid().str());
            session.send(std::move(copy));
        }
    }
    // Subscription requests that arrived while the user was away (RFC 6121 §3.1.3).
    for (const auto& pending : roster_.store().pending_in(user.domain(), user.node())) {
        Stanza request = Stanza::parse(pending.stanza);
        if (request) {
            request.set_attr("to", user.str());
            session.send(std::move(request));
        }
    }
}

void PresenceService::session_closed(ClientSession& session) {
    // Rooms and others that got directed presence learn we left, available or not.
    std::set<std::string> directed;
    directed.swap(session.directed_presence());
    for (const auto& target : directed) {
        if (auto to = Jid::parse(target)) {
            Stanza unavailable = Stanza::make("presence", xmlns::kClient);
            unavailable.set_attr("type", "unavailable");
            route(std::move(unavailable), session.full_jid(), *to);
        }
    }
    if (!session.available()) {
        return;
    }
    session.clear_presence();
    Stanza unavailable = Stanza::make("presence", xmlns::kClient);
    unavailable.set_attr("type", "unavailable");
    broadcast(session, unavailable);
}

void PresenceService::deliver_to_available(const Jid& bare, const Stanza& presence) {
    for (ClientSession* s : sessions_.sessions_of(bare)) {
        if (s->available()) {
            s->send(presence.clone());
        }
    }
}

void PresenceService::inbound(Stanza presence, const Jid& to) {
    std::string_view type = presence.attr("type");
    auto from = Jid::parse(presence.attr("from"));
    if (!from) {
        return;
    }
    if (is_subscription_type(type)) {
        inbound_subscription(std::move(presence), to.bare(), from->bare());
        return;
    }
    if (type == "probe") {
        auto item = roster_.item(to.bare(), from->bare());
        if (item && subscribed_from(item->subscription)) {
            for (ClientSession* s : sessions_.sessions_of(to.bare())) {
                if (s->available() && s->presence() != nullptr) {
                    route(s->presence()->clone(), s->full_jid(), *from);
                }
            }
        }
        return;
    }
    if (!to.is_bare()) {
        if (ClientSession* session = sessions_.find(to)) {
            session->send(std::move(presence));
        }
        return;
    }
    deliver_to_available(to, presence);
}

void PresenceService::send_presence_of(const Jid& user, const Jid& to, bool available) {
    for (ClientSession* s : sessions_.sessions_of(user)) {
        if (!s->available()) {
            continue;
        }
        Stanza p = available && s->presence() != nullptr ? s->presence()->clone()
                                                          : Stanza::make("presence", xmlns::kClient);
        if (!available) {
            p.set_attr("type", "unavailable");
        }
        route(std::move(p), s->full_jid(), to);
    }
}

// RFC 6121 §3: the user's server on the way out.
void PresenceService::outbound_subscription(const Jid& user, std::string_view type,
                                            const Jid& contact) {
    std::optional<RosterItem> existing = roster_.item(user, contact);
    if (!existing && (type == "unsubscribe" || type == "unsubscribed")) {
        // Nothing to cancel in the roster; the contact is still told.
        Stanza presence = Stanza::make("presence", xmlns::kClient);
        presence.set_attr("type", type);
        route(std::move(presence), user, contact);
        return;
    }
    RosterItem item = existing.value_or(RosterItem{});
    item.contact = contact.str();
    RosterItem before = item;
    bool send = true;
    if (type == "subscribe") {
        if (!subscribed_to(item.subscription)) {
            item.ask = true;
        }
    } else if (type == "unsubscribe") {
        item.ask = false;
        if (item.subscription == Subscription::kTo) {
            item.subscription = Subscription::kNone;
        } else if (item.subscription == Subscription::kBoth) {
            item.subscription = Subscription::kFrom;
        }
    } else if (type == "subscribed") {
        bool pending = false;
        for (const auto& p : roster_.store().pending_in(user.domain(), user.node())) {
            pending = pending || p.contact == contact.str();
        }
        if (pending) {
            roster_.store().remove_pending_in(user.domain(), user.node(), contact.str());
            if (item.subscription == Subscription::kNone) {
                item.subscription = Subscription::kFrom;
            } else if (item.subscription == Subscription::kTo) {
                item.subscription = Subscription::kBoth;
            }
        } else if (!subscribed_from(item.subscription)) {
            item.approved = true; // pre-approval (RFC 6121 §3.4)
            send = false;
        } else {
            send = false; // already subscribed: nothing to say
        }
    } else { // unsubscribed: cancel or deny
        roster_.store().remove_pending_in(user.domain(), user.node(), contact.str());
        item.approved = false;
        if (item.subscription == Subscription::kFrom) {
            item.subscription = Subscription::kNone;
        } else if (item.subscription == Subscription::kBoth) {
            item.subscription = Subscription::kTo;
        }
    }
    if (!(item == before) || !existing) {
        roster_.update(user, item);
    }
    if (!send) {
        return;
    }
    Stanza presence = Stanza::make("presence", xmlns::kClient);
    presence.set_attr("type", type);
    route(std::move(presence), user, contact);
    if (type == "subscribed") {
        send_presence_of(user, contact, true);
    } else if (type == "unsubscribed") {
        send_presence_of(user, contact, false);
    }
}

// RFC 6121 §3: the contact's server on the way in.
void PresenceService::inbound_subscription(Stanza presence, const Jid& user, const Jid& contact) {
    std::string_view type = presence.attr("type");
    std::optional<RosterItem> existing = roster_.item(user, contact);
    presence.set_attr("from", contact.str()); // subscription stanzas carry bare JIDs
    if (type == "subscribe") {
        if (existing && subscribed_from(existing->subscription)) {
            Stanza reply = Stanza::make("presence", xmlns::kClient);
            reply.set_attr("type", "subscribed");
            route(std::move(reply), user, contact);
            return;
        }
        if (existing && existing->approved) {
            RosterItem item = *existing;
            item.approved = false;
            item.subscription =
                item.subscription == Subscription::kTo ? Subscription::kBoth : Subscription::kFrom;
            roster_.update(user, item);
            Stanza reply = Stanza::make("presence", xmlns::kClient);
            reply.set_attr("type", "subscribed");
            route(std::move(reply), user, contact);
            send_presence_of(user, contact, true);
            return;
        }
        presence.set_attr("to", user.str());
        roster_.store().add_pending_in(user.domain(), user.node(), contact.str(),
                                       presence.serialize());
        deliver_to_available(user, presence);
        return;
    }
    if (!existing) {
        return; // nothing to change, and nothing the user asked for
    }
    RosterItem item = *existing;
    if (type == "subscribed") {
        if (!item.ask) {
            return; // not asked for: ignore (RFC 6121 §3.1.6)
        }
        item.ask = false;
        item.subscription =
            item.subscription == Subscription::kFrom ? Subscription::kBoth : Subscription::kTo;
    } else if (type == "unsubscribe") {
        roster_.store().remove_pending_in(user.domain(), user.node(), contact.str());
        if (!subscribed_from(item.subscription)) {
            return;
        }
        item.subscription =
            item.subscription == Subscription::kBoth ? Subscription::kTo : Subscription::kNone;
        send_presence_of(user, contact, false);
    } else { // unsubscribed
        if (!subscribed_to(item.subscription) && !item.ask) {
            return;
        }
        item.ask = false;
        item.subscription =
            item.subscription == Subscription::kBoth ? Subscription::kFrom : Subscription::kNone;
    }
    roster_.update(user, item);
    presence.set_attr("to", user.str());
    deliver_to_available(user, presence);
}

void PresenceService::item_removed(const Jid& user, const RosterItem& item) {
    auto contact = Jid::parse(item.contact);
    if (!contact) {
        return;
    }
    auto send = [&](std::string_view type) {
        Stanza p = Stanza::make("presence", xmlns::kClient);
        p.set_attr("type", type);
        route(std::move(p), user, *contact);
    };
    if (subscribed_to(item.subscription) || item.ask) {
        send("unsubscribe");
    }
    if (subscribed_from(item.subscription)) {
        send_presence_of(user, *contact, false);
        send("unsubscribed");
    }
    roster_.store().remove_pending_in(user.domain(), user.node(), item.contact);
}

} // namespace cadenza::xmpp
