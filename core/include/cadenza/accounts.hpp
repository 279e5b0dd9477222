// What modules may ask about local accounts: existence, password checks (for HTTP Basic
// authentication of event streams) and presence subscriptions (for access models such as
// pubsub's "presence"). Owned by the core; reached through Module::accounts(); loop thread.
#pragma once

#include <cadenza/jid.hpp>

#include <string_view>

namespace cadenza {

class Accounts {
public:
    virtual ~Accounts() = default;

    // `domain` is one of this server's VirtualHosts.
    virtual bool is_local_domain(std::string_view domain) const = 0;
    // The account exists (and is not disabled).
    virtual bool exists(const Jid& bare) = 0;
    // Checks a password against the stored SCRAM keys (constant time; false for unknown or
    // disabled accounts).
    virtual bool verify_password(const Jid& bare, std::string_view password) = 0;
    // `contact` may see `owner`'s presence: owner's roster item for contact has subscription
    // "from" or "both".
    virtual bool is_subscribed_to(const Jid& owner, const Jid& contact) = 0;
    // `contact` is in `owner`'s roster at all (pubsub's "roster" access model).
    virtual bool in_roster(const Jid& owner, const Jid& contact) = 0;
};

} // namespace cadenza
