// mod_pubsub's in-memory picture of a node: its configuration, affiliations and subscriptions.
// Items are not kept here: they live in SQLite only (node_store.hpp). The service owns every
// NodeState; handlers borrow them for the duration of one stanza.
#pragma once

#include <cadenza/services/pubsub.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::pubsub_module {

// Node names and item ids are bounded like JID parts.
inline constexpr std::size_t kMaxNameBytes = 1023;

using pubsub::AccessModel;
using pubsub::Affiliation;
using pubsub::NodeConfig;
using pubsub::PublishModel;

enum class SubscriptionState { kNone, kPending, kSubscribed };

std::string_view subscription_state_name(SubscriptionState state);
std::optional<SubscriptionState> parse_subscription_state(std::string_view name);
std::optional<Affiliation> parse_affiliation(std::string_view name);
std::optional<AccessModel> parse_access_model(std::string_view name);
std::optional<PublishModel> parse_publish_model(std::string_view name);

struct Subscription {
    std::string jid;   // as subscribed: a bare or a full JID, prepared
    std::string bare;  // its bare form, for "the requester's subscriptions"
    std::string subid; // generated; only shown when a request names it (one per JID)
    SubscriptionState state = SubscriptionState::kSubscribed;
};

struct NodeState {
    std::string name;
    NodeConfig config;
    std::string creator;         // bare JID
    std::int64_t created_at = 0; // seconds since the epoch
    // Bare JID -> affiliation; "none" is never stored.
    std::map<std::string, Affiliation, std::less<>> affiliations;
    std::vector<Subscription> subscriptions;

    Subscription* find_subscription(std::string_view jid);
    const Subscription* find_subscription(std::string_view jid) const;
    // The first subscription of any JID whose bare form is `bare`, or nullptr.
    const Subscription* subscription_of_bare(std::string_view bare) const;
};

bool same_config(const NodeConfig& a, const NodeConfig& b);

} // namespace cadenza::pubsub_module
