// Entity use cases of XEP-0060 (§6) and node creation (§8.1): subscribe, unsubscribe,
// retrieve items, the requester's own subscriptions and affiliations, create.
#include "config_form.hpp"
#include "service.hpp"

#include <charconv>

namespace cadenza::pubsub_module {
namespace {

// The JID a (un)subscribe action names in its 'jid' attribute, once the action names a node
// too; or the error to answer.
std::optional<Jid> subscriber_jid(Element action, PubsubError& error) {
    if (action.attr("node").empty()) {
        error = errors::bad_request("nodeid-required");
        return std::nullopt;
    }
    std::string_view text = action.attr("jid");
    if (text.empty()) {
        error = errors::bad_request("jid-required");
        return std::nullopt;
    }
    auto jid = Jid::parse(text);
    if (!jid) {
        error = errors::bad_request("invalid-jid");
    }
    return jid;
}

} // namespace

NodeState* PubsubService::named_node(const Request& r) {
    std::string_view name = r.action.attr("node");
    if (name.empty()) {
        fail(r.stanza, errors::bad_request("nodeid-required"));
        return nullptr;
    }
    NodeState* node = find_node(name);
    if (node == nullptr) {
        fail(r.stanza, errors::item_not_found());
    }
    return node;
}

void PubsubService::create(const Request& r) {
    std::string name(r.action.attr("node"));
    if (!access_.may_create(r.from)) {
        return fail(r.stanza, errors::forbidden());
    }
    if (name.size() > kMaxNameBytes) {
        return fail(r.stanza, errors::not_acceptable({}, "node name too long"));
    }
    if (!name.empty() && find_node(name) != nullptr) {
        return fail(r.stanza, errors::conflict());
    }
    bool instant = name.empty();
    if (instant) {
        do {
            name = new_id();
        } while (find_node(name) != nullptr);
    }
    NodeState node = new_node(name, r.bare);
    if (Element configure = r.pubsub.child("configure", kPubsubNs)) {
        if (Element x = configure.child("x", kDataFormsNs)) {
            auto form = read_form(x);
            if (!form || form->type != "submit" ||
                (!form->form_type().empty() && form->form_type() != kNodeConfigFormType)) {
                return fail(r.stanza, errors::bad_request());
            }
            if (auto bad = apply_config_form(*form, node.config, settings_.max_items_limit)) {
                return fail(r.stanza, errors::not_acceptable({}, *bad));
            }
        }
    }
    Stanza reply = iq_result(r.stanza);
    if (instant) {
        add_pubsub_child(reply, kPubsubNs, "create", name);
    }
    auto shared = std::make_shared<NodeState>(std::move(node));
    commit(
        r.stanza,
        [this, shared](storage::Database&) {
            store_.insert_node(*shared);
            nodes_.emplace(shared->name, *shared);
        },
        [this, name, reply = std::make_shared<Stanza>(std::move(reply))] {
            pubsub::NodeEvent event{name};
            module_.notify(pubsub::kNodeCreated, event);
            answer(std::move(*reply));
        });
}

void PubsubService::subscribe(const Request& r) {
    std::string node_name(r.action.attr("node"));
    PubsubError error;
    auto jid = subscriber_jid(r.action, error);
    if (!jid) {
        return fail(r.stanza, error);
    }
    if (jid->bare().str() != r.bare) {
        return fail(r.stanza, errors::bad_request("invalid-jid"));
    }
    NodeState* node = find_node(node_name);
    if (node == nullptr) {
        return fail(r.stanza, errors::item_not_found());
    }
    auto answer_with = [&](const Subscription& s) {
        Stanza reply = iq_result(r.stanza);
        Element sub = add_pubsub_child(reply, kPubsubNs, "subscription", node_name);
        sub.set_attr("jid", s.jid);
        sub.set_attr("subscription", subscription_state_name(s.state));
        return reply;
    };
    if (const Subscription* existing = node->find_subscription(jid->full())) {
        return answer(answer_with(*existing)); // subscribing twice changes nothing
    }
    ReadVerdict verdict = access_.read_verdict(*node, *jid);
    SubscriptionState state = SubscriptionState::kSubscribed;
    if (verdict == ReadVerdict::kNotSubscribed) {
        state = SubscriptionState::kPending; // authorize: an owner decides
    } else if (verdict != ReadVerdict::kAllowed) {
        return fail(r.stanza, Access::read_error(verdict));
    }
    Subscription subscription{jid->full(), jid->bare().str(), new_id(), state};
    auto reply = std::make_shared<Stanza>(answer_with(subscription));
    commit(
        r.stanza,
        [this, node_name, subscription](storage::Database&) {
            store_.set_subscription(node_name, subscription);
            node_to_change(node_name).subscriptions.push_back(subscription);
        },
        [this, node_name, subscription, reply] {
            answer(std::move(*reply));
            NodeState* node = find_node(node_name);
            if (node != nullptr && subscription.state == SubscriptionState::kPending) {
                request_authorization(*node, subscription);
            }
        });
}

void PubsubService::unsubscribe(const Request& r) {
    std::string node_name(r.action.attr("node"));
    PubsubError error;
    auto jid = subscriber_jid(r.action, error);
    if (!jid) {
        return fail(r.stanza, error);
    }
    NodeState* node = find_node(node_name);
    if (node == nullptr) {
        return fail(r.stanza, errors::item_not_found());
    }
    if (jid->bare().str() != r.bare && !access_.is_owner(*node, r.bare)) {
        return fail(r.stanza, errors::forbidden());
    }
    const Subscription* subscription = node->find_subscription(jid->full());
    if (subscription == nullptr) {
        return fail(r.stanza, errors::unexpected_request("not-subscribed"));
    }
    std::string_view subid = r.action.attr("subid");
    if (!subid.empty() && subid != subscription->subid) {
        return fail(r.stanza, errors::not_acceptable("invalid-subid"));
    }
    std::string target = subscription->jid;
    commit(
        r.stanza,
        [this, node_name, target](storage::Database&) {
            store_.delete_subscription(node_name, target);
            std::erase_if(node_to_change(node_name).subscriptions,
                          [&](const Subscription& s) { return s.jid == target; });
        },
        [this, reply = std::make_shared<Stanza>(iq_result(r.stanza))] {
            answer(std::move(*reply));
        });
}

void PubsubService::items(const Request& r) {
    NodeState* node = named_node(r);
    if (node == nullptr) {
        return;
    }
    const std::string& node_name = node->name;
    ReadVerdict verdict = access_.read_verdict(*node, r.from);
    if (verdict != ReadVerdict::kAllowed) {
        return fail(r.stanza, Access::read_error(verdict));
    }
    std::vector<Item> found;
    std::vector<Element> wanted = r.action.children("item", kPubsubNs);
    if (!wanted.empty()) {
        for (Element w : wanted) {
            if (auto item = store_.item(node_name, w.attr("id"))) {
                found.push_back(std::move(*item));
            }
        }
    } else {
        std::size_t max = 0;
        std::string_view text = r.action.attr("max_items");
        if (!text.empty()) {
            auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), max);
            if (ec != std::errc() || end != text.data() + text.size()) {
                return fail(r.stanza, errors::bad_request());
            }
            if (max == 0) {
                max = 1; // "0 items" would mean all to the store; ask for at least one
            }
        }
        found = store_.recent_items(node_name, max);
    }
    Stanza reply = iq_result(r.stanza);
    Element list = add_pubsub_child(reply, kPubsubNs, "items", node_name);
    for (const Item& item : found) {
        add_item_element(list, kPubsubNs, item, true);
    }
    answer(std::move(reply));
}

void PubsubService::own_list(const Request& r, std::string_view list_name,
                             const AddEntries& add_entries) {
    std::string_view only = r.action.attr("node");
    if (!only.empty() && find_node(only) == nullptr) {
        return fail(r.stanza, errors::item_not_found());
    }
    Stanza reply = iq_result(r.stanza);
    Element list = add_pubsub_child(reply, kPubsubNs, list_name, only);
    for (const auto& [name, node] : nodes_) {
        if (only.empty() || name == only) {
            add_entries(list, name, node);
        }
    }
    answer(std::move(reply));
}

void PubsubService::own_subscriptions(const Request& r) {
    own_list(r, "subscriptions", [&](Element list, const std::string& name, const NodeState& node) {
        for (const Subscription& s : node.subscriptions) {
            if (s.bare == r.bare) {
                Element e = list.add_child("subscription", kPubsubNs);
                e.set_attr("node", name).set_attr("jid", s.jid);
                e.set_attr("subscription", subscription_state_name(s.state));
            }
        }
    });
}

void PubsubService::own_affiliations(const Request& r) {
    own_list(r, "affiliations", [&](Element list, const std::string& name, const NodeState& node) {
        auto it = node.affiliations.find(r.bare);
        if (it != node.affiliations.end()) {
            list.add_child("affiliation", kPubsubNs)
                .set_attr("node", name)
                .set_attr("affiliation", pubsub::affiliation_name(it->second));
        }
    });
}

} // namespace cadenza::pubsub_module
