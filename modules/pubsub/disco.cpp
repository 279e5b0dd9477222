// Service discovery of nodes (XEP-0060 §5.1-5.4): disco#info of a node (identity pubsub/leaf
// and its pubsub#meta-data), disco#items of the service (the nodes) and of a node (its item
// ids). disco#info of the service itself is the core's, from the identity and features added
// in load. Also the message hook, for subscription authorization forms.
#include "config_form.hpp"
#include "service.hpp"

namespace cadenza::pubsub_module {
namespace {

constexpr std::string_view kDiscoInfoNs = "http://jabber.org/protocol/disco#info";
constexpr std::string_view kDiscoItemsNs = "http://jabber.org/protocol/disco#items";

} // namespace

HookResult PubsubService::on_disco_info(StanzaEvent& event) {
    const Stanza& stanza = event.stanza;
    std::string_view name = stanza.child("query", kDiscoInfoNs).attr("node");
    if (name.empty()) {
        return HookResult::kPass; // the service itself: the core answers
    }
    NodeState* node = find_node(name);
    if (node == nullptr) {
        fail(stanza, errors::item_not_found());
        return HookResult::kHandled;
    }
    Stanza reply = iq_result(stanza);
    Element query = reply.add_child("query", kDiscoInfoNs).set_attr("node", node->name);
    Element identity = query.add_child("identity", kDiscoInfoNs);
    identity.set_attr("category", "pubsub").set_attr("type", "leaf");
    if (!node->config.title.empty()) {
        identity.set_attr("name", node->config.title);
    }
    query.add_child("feature", kDiscoInfoNs).set_attr("var", kPubsubNs);
    query.add_child("feature", kDiscoInfoNs).set_attr("var", kDiscoInfoNs);
    add_meta_data_form(query, *node);
    answer(std::move(reply));
    return HookResult::kHandled;
}

HookResult PubsubService::on_disco_items(StanzaEvent& event) {
    const Stanza& stanza = event.stanza;
    std::string_view name = stanza.child("query", kDiscoItemsNs).attr("node");
    Stanza reply = iq_result(stanza);
    Element query = reply.add_child("query", kDiscoItemsNs);
    if (name.empty()) {
        for (const auto& [node_name, node] : nodes_) {
            Element item = query.add_child("item", kDiscoItemsNs);
            item.set_attr("jid", module_.host()).set_attr("node", node_name);
            if (!node.config.title.empty()) {
                item.set_attr("name", node.config.title);
            }
        }
        answer(std::move(reply));
        return HookResult::kHandled;
    }
    NodeState* node = find_node(name);
    if (node == nullptr) {
        fail(stanza, errors::item_not_found());
        return HookResult::kHandled;
    }
    auto from = Jid::parse(stanza.attr("from"));
    ReadVerdict verdict = access_.read_verdict(*node, from);
    if (verdict != ReadVerdict::kAllowed) {
        fail(stanza, Access::read_error(verdict));
        return HookResult::kHandled;
    }
    query.set_attr("node", node->name);
    for (const Item& item : store_.recent_items(node->name, 0)) {
        query.add_child("item", kDiscoItemsNs)
            .set_attr("jid", module_.host())
            .set_attr("name", item.id);
    }
    answer(std::move(reply));
    return HookResult::kHandled;
}

HookResult PubsubService::on_message(StanzaEvent& event) {
    if (event.stanza.attr("type") == "error") {
        return HookResult::kPass; // e.g. a notification nobody could receive
    }
    return handle_authorization(event.stanza) ? HookResult::kHandled : HookResult::kPass;
}

} // namespace cadenza::pubsub_module
