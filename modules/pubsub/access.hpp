// Who may do what on a node (XEP-0060 §4.1 affiliations, §4.5 access models, publish models).
// Borrows the settings and the core's account view; both outlive it. Loop thread only.
#pragma once

#include "errors.hpp"
#include "node.hpp"
#include "settings.hpp"

#include <cadenza/accounts.hpp>
#include <cadenza/jid.hpp>

#include <optional>
#include <string_view>

namespace cadenza::pubsub_module {

// Why a reader may not read (subscribe to, retrieve items of) a node, or kAllowed.
enum class ReadVerdict {
    kAllowed,
    kAnonymous,        // no JID and the node is not open
    kOutcast,          // banned
    kPublishOnly,      // may publish, not read
    kPresenceRequired, // access model presence: no presence subscription to an owner
    kRosterRequired,   // access model roster: not in an owner's roster
    kClosedNode,       // access model whitelist: not affiliated
    kNotSubscribed,    // access model authorize: no approved subscription
};

class Access {
public:
    Access(const Settings& settings, Accounts& accounts)
        : settings_(settings), accounts_(accounts) {}

    bool is_admin(std::string_view bare) const;
    // The affiliation of a bare JID; admins are owners of every node.
    Affiliation affiliation(const NodeState& node, std::string_view bare) const;

    // Node creation: admins; unless restrict_node_creation, any user of a local VirtualHost.
    bool may_create(const Jid& requester) const;
    ReadVerdict read_verdict(const NodeState& node, const std::optional<Jid>& reader);
    // The error for a refused subscribe or items request (kNotSubscribed: `not_subscribed`).
    static PubsubError read_error(ReadVerdict verdict);
    // nullopt when `bare` may publish to the node.
    std::optional<PubsubError> publish_error(const NodeState& node, std::string_view bare) const;
    // May `bare` retract an item that `publisher` published?
    bool may_retract(const NodeState& node, std::string_view bare,
                     std::string_view publisher) const;
    bool is_owner(const NodeState& node, std::string_view bare) const {
        return affiliation(node, bare) == Affiliation::kOwner;
    }

private:
    const Settings& settings_;
    Accounts& accounts_;
};

} // namespace cadenza::pubsub_module
