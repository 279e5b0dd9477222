#include "node.hpp"

#include <algorithm>

namespace cadenza::pubsub_module {

std::string_view subscription_state_name(SubscriptionState state) {
    switch (state) {
    case SubscriptionState::kNone:
        return "none";
    case SubscriptionState::kPending:
        return "pending";
    case SubscriptionState::kSubscribed:
        return "subscribed";
    }
    return "none";
}

std::optional<SubscriptionState> parse_subscription_state(std::string_view name) {
    for (auto s :
         {SubscriptionState::kNone, SubscriptionState::kPending, SubscriptionState::kSubscribed}) {
        if (subscription_state_name(s) == name) {
            return s;
        }
    }
    return std::nullopt;
}

std::optional<Affiliation> parse_affiliation(std::string_view name) {
    for (auto a : {Affiliation::kOwner, Affiliation::kPublisher, Affiliation::kPublishOnly,
                   Affiliation::kMember, Affiliation::kNone, Affiliation::kOutcast}) {
        if (pubsub::affiliation_name(a) == name) {
            return a;
        }
    }
    return std::nullopt;
}

std::optional<AccessModel> parse_access_model(std::string_view name) {
    for (auto m : {AccessModel::kOpen, AccessModel::kPresence, AccessModel::kRoster,
                   AccessModel::kAuthorize, AccessModel::kWhitelist}) {
        if (pubsub::access_model_name(m) == name) {
            return m;
        }
    }
    return std::nullopt;
}

std::optional<PublishModel> parse_publish_model(std::string_view name) {
    for (auto m : {PublishModel::kPublishers, PublishModel::kSubscribers, PublishModel::kOpen}) {
        if (pubsub::publish_model_name(m) == name) {
            return m;
        }
    }
    return std::nullopt;
}

Subscription* NodeState::find_subscription(std::string_view jid) {
    auto it = std::find_if(subscriptions.begin(), subscriptions.end(),
                           [jid](const Subscription& s) { return s.jid == jid; });
    return it == subscriptions.end() ? nullptr : &*it;
}

const Subscription* NodeState::find_subscription(std::string_view jid) const {
    return const_cast<NodeState*>(this)->find_subscription(jid);
}

const Subscription* NodeState::subscription_of_bare(std::string_view bare) const {
    for (const auto& s : subscriptions) {
        if (s.bare == bare) {
            return &s;
        }
    }
    return nullptr;
}

bool same_config(const NodeConfig& a, const NodeConfig& b) {
    return a.title == b.title && a.access_model == b.access_model &&
           a.publish_model == b.publish_model && a.max_items == b.max_items &&
           a.persist_items == b.persist_items && a.notify_retract == b.notify_retract &&
           a.notify_delete == b.notify_delete && a.deliver_payloads == b.deliver_payloads;
}

} // namespace cadenza::pubsub_module
