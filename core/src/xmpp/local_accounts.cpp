#include "xmpp/local_accounts.hpp"

#include "auth/scram.hpp"
#include "server/server_context.hpp"

namespace cadenza::xmpp {

bool LocalAccounts::is_local_domain(std::string_view domain) const {
    for (const auto& host : context_.hosts) {
        if (host->kind == config::SectionKind::kVirtualHost && host->name == domain) {
            return true;
        }
    }
    return false;
}

bool LocalAccounts::exists(const Jid& bare) {
    if (!is_local_domain(bare.domain()) || bare.node().empty()) {
        return false;
    }
    auto credentials = accounts_.credentials(bare.domain(), bare.node());
    return credentials && !credentials->disabled;
}

bool LocalAccounts::verify_password(const Jid& bare, std::string_view password) {
    if (!is_local_domain(bare.domain()) || bare.node().empty()) {
        return false;
    }
    auto credentials = accounts_.credentials(bare.domain(), bare.node());
    if (!credentials || credentials->disabled) {
        return false;
    }
    if (credentials->sha256) {
        return auth::verify_password(*credentials->sha256, password);
    }
    return credentials->sha1 && auth::verify_password(*credentials->sha1, password);
}

bool LocalAccounts::is_subscribed_to(const Jid& owner, const Jid& contact) {
    if (!is_local_domain(owner.domain())) {
        return false;
    }
    auto item = roster_.item(owner.domain(), owner.node(), contact.bare().str());
    return item && (item->subscription == accounts::Subscription::kFrom ||
                    item->subscription == accounts::Subscription::kBoth);
}

bool LocalAccounts::in_roster(const Jid& owner, const Jid& contact) {
    if (!is_local_domain(owner.domain())) {
        return false;
    }
    return roster_.item(owner.domain(), owner.node(), contact.bare().str()).has_value();
}

} // namespace cadenza::xmpp
