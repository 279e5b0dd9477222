// The bound client sessions, by account (bare JID) and resource.
#pragma once

#include "xmpp/client_session.hpp"

#include <string>
#include <unordered_map>
#include <vector>

namespace cadenza::xmpp {

class SessionRegistry {
public:
    // Adds a bound session. Returns the session it replaces (same full JID), still open, or
    // nullptr: the caller ends that one with a conflict error (newest wins, as Prosody).
    ClientSession* add(ClientSession& session);
    void remove(ClientSession& session);

    ClientSession* find(const Jid& full) const;
    // Every session of the account.
    const std::vector<ClientSession*>& sessions_of(const Jid& bare) const;
    // Sessions to deliver a message to the bare JID: the available ones with the highest
    // non-negative priority (RFC 6121 §8.5.2.1.1).
    std::vector<ClientSession*> message_targets(const Jid& bare) const;
    std::size_t size() const { return count_; }

private:
    std::unordered_map<std::string, std::vector<ClientSession*>> by_bare_;
    std::size_t count_ = 0;
};

} // namespace cadenza::xmpp
