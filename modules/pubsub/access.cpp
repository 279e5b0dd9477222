#include "access.hpp"

namespace cadenza::pubsub_module {

bool Access::is_admin(std::string_view bare) const {
    return settings_.admins.find(bare) != settings_.admins.end();
}

Affiliation Access::affiliation(const NodeState& node, std::string_view bare) const {
    if (is_admin(bare)) {
        return Affiliation::kOwner;
    }
    auto it = node.affiliations.find(bare);
    return it == node.affiliations.end() ? Affiliation::kNone : it->second;
}

bool Access::may_create(const Jid& requester) const {
    if (is_admin(requester.bare().str())) {
        return true;
    }
    return !settings_.restrict_node_creation && !requester.node().empty() &&
           accounts_.is_local_domain(requester.domain());
}

ReadVerdict Access::read_verdict(const NodeState& node, const std::optional<Jid>& reader) {
    if (!reader) {
        return node.config.access_model == AccessModel::kOpen ? ReadVerdict::kAllowed
                                                              : ReadVerdict::kAnonymous;
    }
    Jid bare = reader->bare();
    switch (affiliation(node, bare.str())) {
    case Affiliation::kOwner:
    case Affiliation::kPublisher:
    case Affiliation::kMember:
        return ReadVerdict::kAllowed;
    case Affiliation::kOutcast:
        return ReadVerdict::kOutcast;
    case Affiliation::kPublishOnly:
        return ReadVerdict::kPublishOnly;
    case Affiliation::kNone:
        break;
    }
    // Presence and roster rights come from the rosters of the node's (local) owners.
    auto any_owner = [&](auto&& test) {
        for (const auto& [jid, affiliation] : node.affiliations) {
            if (affiliation != Affiliation::kOwner) {
                continue;
            }
            auto owner = Jid::parse(jid);
            if (owner && accounts_.is_local_domain(owner->domain()) && test(*owner)) {
                return true;
            }
        }
        return false;
    };
    switch (node.config.access_model) {
    case AccessModel::kOpen:
        return ReadVerdict::kAllowed;
    case AccessModel::kPresence:
        return any_owner([&](const Jid& o) { return accounts_.is_subscribed_to(o, bare); })
                   ? ReadVerdict::kAllowed
                   : ReadVerdict::kPresenceRequired;
    case AccessModel::kRoster:
        return any_owner([&](const Jid& o) { return accounts_.in_roster(o, bare); })
                   ? ReadVerdict::kAllowed
                   : ReadVerdict::kRosterRequired;
    case AccessModel::kWhitelist:
        return ReadVerdict::kClosedNode;
    case AccessModel::kAuthorize: {
        const Subscription* s = node.subscription_of_bare(bare.str());
        return s != nullptr && s->state == SubscriptionState::kSubscribed
                   ? ReadVerdict::kAllowed
                   : ReadVerdict::kNotSubscribed;
    }
    }
    return ReadVerdict::kClosedNode;
}

PubsubError Access::read_error(ReadVerdict verdict) {
    switch (verdict) {
    case ReadVerdict::kAllowed:
    case ReadVerdict::kAnonymous:
    case ReadVerdict::kOutcast:
    case ReadVerdict::kPublishOnly:
        return errors::forbidden();
    case ReadVerdict::kPresenceRequired:
        return errors::not_authorized("presence-subscription-required");
    case ReadVerdict::kRosterRequired:
        return errors::not_authorized("not-in-roster-group");
    case ReadVerdict::kClosedNode:
        return errors::not_allowed("closed-node");
    case ReadVerdict::kNotSubscribed:
        return errors::not_authorized("not-subscribed");
    }
    return errors::forbidden();
}

std::optional<PubsubError> Access::publish_error(const NodeState& node,
                                                 std::string_view bare) const {
    switch (affiliation(node, bare)) {
    case Affiliation::kOwner:
    case Affiliation::kPublisher:
    case Affiliation::kPublishOnly:
        return std::nullopt;
    case Affiliation::kOutcast:
        return errors::forbidden();
    case Affiliation::kMember:
    case Affiliation::kNone:
        break;
    }
    switch (node.config.publish_model) {
    case PublishModel::kOpen:
        return std::nullopt;
    case PublishModel::kSubscribers: {
        const Subscription* s = node.subscription_of_bare(bare);
        if (s != nullptr && s->state == SubscriptionState::kSubscribed) {
            return std::nullopt;
        }
        return errors::forbidden();
    }
    case PublishModel::kPublishers:
        return errors::forbidden();
    }
    return errors::forbidden();
}

bool Access::may_retract(const NodeState& node, std::string_view bare,
                         std::string_view publisher) const {
    Affiliation a = affiliation(node, bare);
    if (a == Affiliation::kOwner || a == Affiliation::kPublisher) {
        return true;
    }
    // Everyone else who may publish may take back what they published themselves.
    return bare == publisher && !publish_error(node, bare);
}

} // namespace cadenza::pubsub_module
