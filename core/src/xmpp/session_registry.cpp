#include "xmpp/session_registry.hpp"

#include <algorithm>

namespace cadenza::xmpp {

ClientSession* SessionRegistry::add(ClientSession& session) {
    auto& list = by_bare_[session.full_jid().bare().str()];
    ClientSession* replaced = nullptr;
    for (auto it = list.begin(); it != list.end(); ++it) {
        if ((*it)->full_jid() == session.full_jid()) {
            replaced = *it;
            list.erase(it);
            --count_;
            break;
        }
    }
    list.push_back(&session);
    ++count_;
    return replaced;
}

void SessionRegistry::remove(ClientSession& session) {
    auto it = by_bare_.find(session.full_jid().bare().str());
    if (it == by_bare_.end()) {
        return;
    }
    auto& list = it->second;
    auto found = std::find(list.begin(), list.end(), &session);
    if (found != list.end()) {
        list.erase(found);
        --count_;
    }
    if (list.empty()) {
        by_bare_.erase(it);
    }
}

ClientSession* SessionRegistry::find(const Jid& full) const {
    for (ClientSession* s : sessions_of(full.bare())) {
        if (s->full_jid() == full) {
            return s;
        }
    }
    return nullptr;
}

const std::vector<ClientSession*>& SessionRegistry::sessions_of(const Jid& bare) const {
    static const std::vector<ClientSession*> kNone;
    auto it = by_bare_.find(bare.str());
    return it == by_bare_.end() ? kNone : it->second;
}

std::vector<ClientSession*> SessionRegistry::message_targets(const Jid& bare) const {
    std::vector<ClientSession*> out;
    int best = 0;
    for (ClientSession* s : sessions_of(bare)) {
        if (!s->available() || s->priority() < 0) {
            continue;
        }
        if (out.empty() || s->priority() > best) {
            out.assign(1, s);
            best = s->priority();
        } else if (s->priority() == best) {
            out.push_back(s);
        }
    }
    return out;
}

} // namespace cadenza::xmpp
