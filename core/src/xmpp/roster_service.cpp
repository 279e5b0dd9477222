#include "xmpp/roster_service.hpp"

#include "server/host.hpp"
#include "xmpp/stanza_util.hpp"

#include <algorithm>

namespace cadenza::xmpp {
namespace {

const Logger kLog("roster");

// The roster of `to` may be read and changed only by that account's own sessions.
bool is_own_roster(const StanzaEvent& event) {
    return event.origin.kind() == Origin::Kind::kClient && event.origin.jid() &&
           event.origin.jid()->bare() == event.to;
}

} // namespace

void append_roster_item(Element query, const accounts::RosterItem& item, bool removed) {
    Element e = query.add_child("item", kRosterNs);
    e.set_attr("jid", item.contact);
    if (!item.name.empty()) {
        e.set_attr("name", item.name);
    }
    e.set_attr("subscription", removed ? "remove" : accounts::subscription_name(item.subscription));
    if (item.ask && !removed) {
        e.set_attr("ask", "subscribe");
    }
    if (!removed) {
        for (const auto& group : item.groups) {
            e.add_child("group", kRosterNs).set_text(group);
        }
    }
}

RosterService::RosterService(accounts::RosterStore& store, SessionRegistry& sessions,
                             StanzaRouter& router)
    : store_(store), sessions_(sessions), router_(router) {}

std::vector<HookId> RosterService::install(Host& host) {
    return {
        host.events.add<StanzaEvent>(
            iq_event_name("get", "bare", kRosterNs, "query"),
            [this](StanzaEvent& e) { return handle_get(e); }, hook_priority::kDefault, "core"),
        host.events.add<StanzaEvent>(
            iq_event_name("set", "bare", kRosterNs, "query"),
            [this](StanzaEvent& e) { return handle_set(e); }, hook_priority::kDefault, "core"),
    };
}

std::vector<accounts::RosterItem> RosterService::items(const Jid& user) {
    return store_.items(user.domain(), user.node());
}

std::optional<accounts::RosterItem> RosterService::item(const Jid& user, const Jid& contact) {
    return store_.item(user.domain(), user.node(), contact.bare().str());
}

void RosterService::update(const Jid& user, const accounts::RosterItem& item,
                           accounts::WriteDone done) {
    auto version = store_.upsert(user.domain(), user.node(), item, std::move(done));
    if (version) {
        push(user, item, false, *version);
    }
}

void RosterService::remove(const Jid& user, const std::string& contact,
                           accounts::WriteDone done) {
    auto version = store_.remove(user.domain(), user.node(), contact, std::move(done));
    if (version) {
        accounts::RosterItem gone;
        gone.contact = contact;
        push(user, gone, true, *version);
    }
}

void RosterService::push(const Jid& user, const accounts::RosterItem& item, bool removed,
                         std::int64_t version) {
    for (ClientSession* session : sessions_.sessions_of(user)) {
        Stanza iq = Stanza::make("iq", xmlns::kClient);
        iq.set_attr("type", "set");
        iq.set_attr("id", "push" + std::to_string(++push_counter_));
        iq.set_attr("from", user.str());
        iq.set_attr("to", session->full_jid().str());
        Element query = iq.add_child("query", kRosterNs);
        query.set_attr("ver", std::to_string(version));
        append_roster_item(query, item, removed);
        session->send(std::move(iq));
    }
}

HookResult RosterService::handle_get(StanzaEvent& event) {
    if (!is_own_roster(event)) {
        router_.bounce(event.stanza, "auth", stanza_error::kForbidden);
        return HookResult::kHandled;
    }
    const Jid& user = event.to;
    std::string current = std::to_string(store_.version(user.domain(), user.node()));
    Stanza reply = make_iq_result(event.stanza);
    Element request = event.stanza.child("query", kRosterNs);
    // Roster versioning (RFC 6121 §2.6): an up-to-date client gets an empty result.
    if (!(request.has_attr("ver") && request.attr("ver") == current)) {
        Element query = reply.add_child("query", kRosterNs);
        query.set_attr("ver", current);
        for (const auto& item : items(user)) {
            append_roster_item(query, item, false);
        }
    }
    event.origin.send(std::move(reply));
    return HookResult::kHandled;
}

HookResult RosterService::handle_set(StanzaEvent& event) {
    if (!is_own_roster(event)) {
        router_.bounce(event.stanza, "auth", stanza_error::kForbidden);
        return HookResult::kHandled;
    }
    const Jid user = event.to;
    std::vector<Element> elements = event.stanza.child("query", kRosterNs).children("item", kRosterNs);
    if (elements.size() != 1) {
        router_.bounce(event.stanza, "modify", stanza_error::kBadRequest, "exactly one item");
        return HookResult::kHandled;
    }
    Element element = elements.front();
    auto contact = Jid::parse(element.attr("jid"));
    if (!contact) {
        router_.bounce(event.stanza, "modify", stanza_error::kJidMalformed);
        return HookResult::kHandled;
    }
    std::string contact_str = contact->bare().str();
    Stanza request = event.stanza.clone();
    // Answer after the change is durable. The session may be gone by then: route the
    // answer by address instead of holding the origin.
    auto answer = [this, request = std::make_shared<Stanza>(std::move(request))](bool ok) {
        if (ok) {
            router_.route_from_server(make_iq_result(*request));
        } else {
            router_.bounce(*request, "wait", stanza_error::kInternalServerError);
        }
    };
    std::optional<accounts::RosterItem> existing = item(user, *contact);

    if (element.attr("subscription") == "remove") {
        if (!existing) {
            router_.bounce(event.stanza, "cancel", stanza_error::kItemNotFound);
            return HookResult::kHandled;
        }
        if (removal_hook_) {
            removal_hook_(user, *existing);
        }
        remove(user, contact_str, answer);
        return HookResult::kHandled;
    }

    accounts::RosterItem updated = existing.value_or(accounts::RosterItem{});
    updated.contact = contact_str;
    updated.name = std::string(element.attr("name"));
    updated.groups.clear();
    for (Element group : element.children("group", kRosterNs)) {
        std::string name = group.text();
        if (name.empty()) {
            router_.bounce(event.stanza, "modify", stanza_error::kNotAcceptable, "empty group");
            return HookResult::kHandled;
        }
        if (std::find(updated.groups.begin(), updated.groups.end(), name) !=
            updated.groups.end()) {
            router_.bounce(event.stanza, "modify", stanza_error::kBadRequest, "duplicate group");
            return HookResult::kHandled;
        }
        updated.groups.push_back(std::move(name));
    }
    update(user, updated, answer);
    return HookResult::kHandled;
}

} // namespace cadenza::xmpp
