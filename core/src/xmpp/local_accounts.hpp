// The Accounts view modules get: backed by the account and roster stores.
#pragma once

#include "accounts/account_store.hpp"
#include "accounts/roster_store.hpp"

#include <cadenza/accounts.hpp>

namespace cadenza {
struct ServerContext;
}

namespace cadenza::xmpp {

class LocalAccounts final : public Accounts {
public:
    LocalAccounts(ServerContext& context, accounts::AccountStore& accounts,
                  accounts::RosterStore& roster)
        : context_(context), accounts_(accounts), roster_(roster) {}

    bool is_local_domain(std::string_view domain) const override;
    bool exists(const Jid& bare) override;
    bool verify_password(const Jid& bare, std::string_view password) override;
    bool is_subscribed_to(const Jid& owner, const Jid& contact) override;
    bool in_roster(const Jid& owner, const Jid& contact) override;

private:
    ServerContext& context_;
    accounts::AccountStore& accounts_;
    accounts::RosterStore& roster_;
};

} // namespace cadenza::xmpp
