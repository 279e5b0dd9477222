// Subscriptions to nodes with the "authorize" access model (XEP-0060 §8.6): the owners get a
// pubsub#subscribe_authorization form and answer it; the subscriber learns the outcome.
#include "data_form.hpp"
#include "service.hpp"

namespace cadenza::pubsub_module {
namespace {

constexpr std::string_view kAuthorizationFormType =
    "http://jabber.org/protocol/pubsub#subscribe_authorization";

} // namespace

void PubsubService::request_authorization(const NodeState& node, const Subscription& subscription) {
    Stanza message = Stanza::make("message", xmlns::kClient);
    message.set_attr("from", module_.host());
    message.set_attr("id", new_id());
    add_form(message.root(), "form",
             {{"FORM_TYPE", "hidden", {}, {std::string(kAuthorizationFormType)}, {}},
              {"pubsub#subid", "hidden", {}, {subscription.subid}, {}},
              {"pubsub#node", "text-single", "Node ID", {node.name}, {}},
              {"pubsub#subscriber_jid", "jid-single", "Subscriber Address", {subscription.jid}, {}},
              {"pubsub#allow",
               "boolean",
               "Allow this JID to subscribe to this pubsub node?",
               {"false"},
               {}}},
             "PubSub subscriber request",
             "To approve this entity's subscription request, submit the form with "
             "pubsub#allow true; to deny it, submit false.");
    for (const auto& [jid, affiliation] : node.affiliations) {
        if (affiliation == Affiliation::kOwner) {
            Stanza copy = message.clone();
            copy.set_attr("to", jid);
            module_.send(std::move(copy));
        }
    }
}

bool PubsubService::handle_authorization(const Stanza& message) {
    auto form = read_form(message.child("x", kDataFormsNs));
    if (!form || form->form_type() != kAuthorizationFormType || form->type != "submit") {
        return false;
    }
    auto from = Jid::parse(message.attr("from"));
    NodeState* node = find_node(form->value("pubsub#node"));
    auto subscriber = Jid::parse(form->value("pubsub#subscriber_jid"));
    auto allow = parse_form_bool(form->value("pubsub#allow"));
    if (!from || node == nullptr || !subscriber || !allow ||
        !access_.is_owner(*node, from->bare().str())) {
        module_.log().debug("ignoring a subscription authorization that does not apply");
        return true;
    }
    const Subscription* pending = node->find_subscription(subscriber->full());
    if (pending == nullptr || pending->state != SubscriptionState::kPending) {
        return true; // decided already
    }
    Subscription decided = *pending;
    decided.state = *allow ? SubscriptionState::kSubscribed : SubscriptionState::kNone;
    std::string name = node->name;
    commit(
        message,
        [this, name, decided](storage::Database&) {
            NodeState& n = node_to_change(name);
            std::erase_if(n.subscriptions,
                          [&](const Subscription& s) { return s.jid == decided.jid; });
            if (decided.state == SubscriptionState::kNone) {
                store_.delete_subscription(name, decided.jid);
            } else {
                store_.set_subscription(name, decided);
                n.subscriptions.push_back(decided);
            }
        },
        [this, name, decided] { notify_subscription(name, decided); });
    return true;
}

} // namespace cadenza::pubsub_module
