// Owner management of subscriptions and affiliations (XEP-0060 §8.8, §8.9). A set request is
// applied whole or not at all; a refused one returns the offending entries in the error.
#include "service.hpp"

#include <algorithm>
#include <set>

namespace cadenza::pubsub_module {
namespace {

// The error reply for a refused list change, carrying the offending entries.
Stanza list_error(const Stanza& request, const PubsubError& error, std::string_view list_name,
                  std::string_view node, const std::vector<Element>& offending) {
    Stanza reply = error_reply(request, error);
    Element list = add_pubsub_child(reply, kOwnerNs, list_name, node);
    for (Element e : offending) {
        list.append_copy(e);
    }
    return reply;
}

} // namespace

void PubsubService::get_subscriptions(const Request& r, NodeState& node) {
    Stanza reply = iq_result(r.stanza);
    Element list = add_pubsub_child(reply, kOwnerNs, "subscriptions", node.name);
    for (const Subscription& s : node.subscriptions) {
        list.add_child("subscription", kOwnerNs)
            .set_attr("jid", s.jid)
            .set_attr("subscription", subscription_state_name(s.state));
    }
    answer(std::move(reply));
}

void PubsubService::set_subscriptions(const Request& r, NodeState& node) {
    std::vector<Subscription> changes;
    std::vector<Element> offending;
    for (Element e : r.action.children("subscription", kOwnerNs)) {
        auto jid = Jid::parse(e.attr("jid"));
        auto state = parse_subscription_state(e.attr("subscription"));
        if (!jid || !state) {
            offending.push_back(e);
            continue;
        }
        const Subscription* existing = node.find_subscription(jid->full());
        changes.push_back({jid->full(), jid->bare().str(),
                           existing != nullptr ? existing->subid : new_id(), *state});
    }
    if (!offending.empty()) {
        return answer(
            list_error(r.stanza, errors::not_acceptable(), "subscriptions", node.name, offending));
    }
    std::string name = node.name;
    commit(
        r.stanza,
        [this, name, changes](storage::Database&) {
            NodeState& n = node_to_change(name);
            for (const Subscription& change : changes) {
                std::erase_if(n.subscriptions,
                              [&](const Subscription& s) { return s.jid == change.jid; });
                if (change.state == SubscriptionState::kNone) {
                    store_.delete_subscription(name, change.jid);
                } else {
                    store_.set_subscription(name, change);
                    n.subscriptions.push_back(change);
                }
            }
        },
        [this, name, changes, reply = std::make_shared<Stanza>(iq_result(r.stanza))] {
            answer(std::move(*reply));
            for (const Subscription& change : changes) {
                notify_subscription(name, change);
            }
        });
}

void PubsubService::get_affiliations(const Request& r, NodeState& node) {
    Stanza reply = iq_result(r.stanza);
    Element list = add_pubsub_child(reply, kOwnerNs, "affiliations", node.name);
    for (const auto& [jid, affiliation] : node.affiliations) {
        list.add_child("affiliation", kOwnerNs)
            .set_attr("jid", jid)
            .set_attr("affiliation", pubsub::affiliation_name(affiliation));
    }
    answer(std::move(reply));
}

void PubsubService::set_affiliations(const Request& r, NodeState& node) {
    std::vector<std::pair<std::string, Affiliation>> changes;
    std::vector<Element> offending;
    std::set<std::string> seen;
    for (Element e : r.action.children("affiliation", kOwnerNs)) {
        auto jid = Jid::parse(e.attr("jid"));
        auto affiliation = parse_affiliation(e.attr("affiliation"));
        if (!jid || !affiliation) {
            offending.push_back(e);
            continue;
        }
        std::string bare = jid->bare().str();
        if (!seen.insert(bare).second) {
            return fail(r.stanza, errors::bad_request()); // one entry per entity (§8.9.2.4)
        }
        changes.emplace_back(bare, *affiliation);
    }
    // The node must keep an owner: refuse the entries that would remove the last one.
    auto result = node.affiliations;
    for (const auto& [jid, affiliation] : changes) {
        if (affiliation == Affiliation::kNone) {
            result.erase(jid);
        } else {
            result[jid] = affiliation;
        }
    }
    bool owner_left = std::any_of(result.begin(), result.end(), [](const auto& entry) {
        return entry.second == Affiliation::kOwner;
    });
    if (!owner_left) {
        for (Element e : r.action.children("affiliation", kOwnerNs)) {
            auto jid = Jid::parse(e.attr("jid"));
            auto it = jid ? node.affiliations.find(jid->bare().str()) : node.affiliations.end();
            if (it != node.affiliations.end() && it->second == Affiliation::kOwner) {
                offending.push_back(e);
            }
        }
    }
    if (!offending.empty()) {
        Stanza reply =
            list_error(r.stanza, errors::not_acceptable(), "affiliations", node.name, offending);
        // The returned entries show the affiliation still in force.
        for (Element e : reply.child("pubsub", kOwnerNs)
                             .child("affiliations", kOwnerNs)
                             .children("affiliation", kOwnerNs)) {
            auto jid = Jid::parse(e.attr("jid"));
            auto it = jid ? node.affiliations.find(jid->bare().str()) : node.affiliations.end();
            e.set_attr("affiliation",
                       pubsub::affiliation_name(it == node.affiliations.end() ? Affiliation::kNone
                                                                              : it->second));
        }
        return answer(std::move(reply));
    }
    std::string name = node.name;
    commit(
        r.stanza,
        [this, name, changes](storage::Database&) {
            NodeState& n = node_to_change(name);
            for (const auto& change : changes) {
                const std::string& jid = change.first;
                Affiliation affiliation = change.second;
                store_.set_affiliation(name, jid, affiliation);
                if (affiliation == Affiliation::kNone) {
                    n.affiliations.erase(jid);
                } else {
                    n.affiliations[jid] = affiliation;
                }
                // Banned, or no longer on a whitelist: their subscriptions end.
                bool drop = affiliation == Affiliation::kOutcast ||
                            (affiliation == Affiliation::kNone &&
                             n.config.access_model == AccessModel::kWhitelist);
                if (drop) {
                    for (const Subscription& s : n.subscriptions) {
                        if (s.bare == jid) {
                            store_.delete_subscription(name, s.jid);
                        }
                    }
                    std::erase_if(n.subscriptions,
                                  [&](const Subscription& s) { return s.bare == jid; });
                }
            }
        },
        [this, reply = std::make_shared<Stanza>(iq_result(r.stanza))] {
            answer(std::move(*reply));
        });
}

} // namespace cadenza::pubsub_module
