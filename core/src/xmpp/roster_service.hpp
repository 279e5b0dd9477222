// Rosters (RFC 6121 §2): the jabber:iq:roster get/set handler on each VirtualHost, roster
// pushes, and the item updates the presence logic makes.
#pragma once

#include "accounts/roster_store.hpp"
#include "xmpp/session_registry.hpp"
#include "xmpp/stanza_router.hpp"

#include <cadenza/hooks.hpp>

#include <functional>
#include <optional>

namespace cadenza {
struct Host;
}

namespace cadenza::xmpp {

inline constexpr std::string_view kRosterNs = "jabber:iq:roster";

class RosterService {
public:
    // Called when a roster set removes an item, before it is gone: the presence logic sends
    // the unsubscribe/unsubscribed the removal implies (RFC 6121 §2.5.2).
    using RemovalHook = std::function<void(const Jid& user, const accounts::RosterItem& item)>;

    RosterService(accounts::RosterStore& store, SessionRegistry& sessions, StanzaRouter& router);

    // Hooks the roster iq handlers on a VirtualHost's bus. Returns the hook ids.
    std::vector<HookId> install(Host& host);
    void set_removal_hook(RemovalHook hook) { removal_hook_ = std::move(hook); }

    std::vector<accounts::RosterItem> items(const Jid& user);
    std::optional<accounts::RosterItem> item(const Jid& user, const Jid& contact);
    // Stores the item and pushes it to the user's sessions.
    void update(const Jid& user, const accounts::RosterItem& item,
                accounts::WriteDone done = nullptr);
    // Removes the item and pushes the removal.
    void remove(const Jid& user, const std::string& contact, accounts::WriteDone done = nullptr);
    accounts::RosterStore& store() { return store_; }

private:
    HookResult handle_get(StanzaEvent& event);
    HookResult handle_set(StanzaEvent& event);
    void push(const Jid& user, const accounts::RosterItem& item, bool removed,
              std::int64_t version);

    accounts::RosterStore& store_;
    SessionRegistry& sessions_;
    StanzaRouter& router_;
    RemovalHook removal_hook_;
    std::uint64_t push_counter_ = 0;
};

// Writes one roster item as <item jid name subscription ask><group/>...</item>.
void append_roster_item(Element query, const accounts::RosterItem& item, bool removed);

} // namespace cadenza::xmpp
