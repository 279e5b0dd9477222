// Event notifications to XMPP subscribers (XEP-0060 §7.1.2, §7.2.2, §8.4.2, §8.5.2): one
// message built per event, cloned per subscription in state "subscribed".
#include "service.hpp"

namespace cadenza::pubsub_module {

Stanza PubsubService::event_message(Element& event) {
    Stanza message = Stanza::make("message", xmlns::kClient);
    message.set_attr("from", module_.host());
    message.set_attr("type", "headline");
    message.set_attr("id", new_id());
    event = message.add_child("event", kEventNs);
    return message;
}

void PubsubService::send_to_subscribers(const std::vector<Subscription>& subscriptions,
                                        const Stanza& message) {
    for (const Subscription& s : subscriptions) {
        if (s.state != SubscriptionState::kSubscribed) {
            continue;
        }
        Stanza copy = message.clone();
        copy.set_attr("to", s.jid);
        module_.send(std::move(copy));
    }
}

void PubsubService::notify_items(const NodeState& node, const Item& item, Element stored) {
    if (node.subscriptions.empty()) {
        return;
    }
    Element event;
    Stanza message = event_message(event);
    Element items = event.add_child("items", kEventNs).set_attr("node", node.name);
    Element element = add_item_element(items, kEventNs, item, false);
    if (node.config.deliver_payloads && stored.first_child()) {
        element.append_copy(stored.first_child());
    }
    send_to_subscribers(node.subscriptions, message);
}

void PubsubService::notify_retract(const NodeState& node, std::string_view item_id) {
    if (node.subscriptions.empty()) {
        return;
    }
    Element event;
    Stanza message = event_message(event);
    event.add_child("items", kEventNs)
        .set_attr("node", node.name)
        .add_child("retract", kEventNs)
        .set_attr("id", item_id);
    send_to_subscribers(node.subscriptions, message);
}

void PubsubService::notify_node(const std::vector<Subscription>& subscriptions,
                                std::string_view kind, std::string_view node) {
    if (subscriptions.empty()) {
        return;
    }
    Element event;
    Stanza message = event_message(event);
    event.add_child(kind, kEventNs).set_attr("node", node);
    send_to_subscribers(subscriptions, message);
}

void PubsubService::notify_subscription(std::string_view node, const Subscription& subscription) {
    Element event;
    Stanza message = event_message(event);
    message.set_attr("type", "normal"); // a state change the subscriber should not miss
    message.set_attr("to", subscription.jid);
    event.add_child("subscription", kEventNs)
        .set_attr("node", node)
        .set_attr("jid", subscription.jid)
        .set_attr("subscription", subscription_state_name(subscription.state));
    module_.send(std::move(message));
}

} // namespace cadenza::pubsub_module
