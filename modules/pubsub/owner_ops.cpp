// Owner use cases of XEP-0060 (§8.2-8.5): configure, default configuration, delete, purge.
#include "config_form.hpp"
#include "service.hpp"

namespace cadenza::pubsub_module {

NodeState* PubsubService::owned_node(const Request& r) {
    std::string_view name = r.action.attr("node");
    if (name.empty()) {
        fail(r.stanza, errors::bad_request("nodeid-required"));
        return nullptr;
    }
    NodeState* node = find_node(name);
    if (node == nullptr) {
        fail(r.stanza, errors::item_not_found());
        return nullptr;
    }
    if (!access_.is_owner(*node, r.bare)) {
        fail(r.stanza, errors::forbidden());
        return nullptr;
    }
    return node;
}

void PubsubService::get_configure(const Request& r) {
    NodeState* node = owned_node(r);
    if (node == nullptr) {
        return;
    }
    Stanza reply = iq_result(r.stanza);
    Element configure = reply.add_child("pubsub", kOwnerNs).add_child("configure", kOwnerNs);
    configure.set_attr("node", node->name);
    add_config_form(configure, node->config, settings_.max_items_limit);
    answer(std::move(reply));
}

void PubsubService::set_configure(const Request& r) {
    NodeState* node = owned_node(r);
    if (node == nullptr) {
        return;
    }
    auto form = read_form(r.action.child("x", kDataFormsNs));
    if (!form) {
        return fail(r.stanza, errors::bad_request());
    }
    if (form->type == "cancel") {
        return answer(iq_result(r.stanza));
    }
    if (form->type != "submit" ||
        (!form->form_type().empty() && form->form_type() != kNodeConfigFormType)) {
        return fail(r.stanza, errors::bad_request());
    }
    NodeConfig config = node->config;
    if (auto bad = apply_config_form(*form, config, settings_.max_items_limit)) {
        return fail(r.stanza, errors::not_acceptable({}, *bad));
    }
    std::string name = node->name;
    commit(
        r.stanza,
        [this, name, config](storage::Database&) {
            store_.update_config(name, config);
            store_.trim(name, config.max_items);
            node_to_change(name).config = config;
        },
        [this, name, config, reply = std::make_shared<Stanza>(iq_result(r.stanza))] {
            pubsub::NodeConfigured event{name, config};
            module_.notify(pubsub::kNodeConfigured, event);
            answer(std::move(*reply));
        });
}

void PubsubService::get_default(const Request& r) {
    Stanza reply = iq_result(r.stanza);
    Element def = reply.add_child("pubsub", kOwnerNs).add_child("default", kOwnerNs);
    add_config_form(def, settings_.node_defaults, settings_.max_items_limit);
    answer(std::move(reply));
}

void PubsubService::delete_node(const Request& r) {
    NodeState* node = owned_node(r);
    if (node == nullptr) {
        return;
    }
    std::string name = node->name;
    // Who to tell is decided now: the subscriptions go with the node.
    auto subscribers = std::make_shared<std::vector<Subscription>>();
    if (node->config.notify_delete) {
        *subscribers = node->subscriptions;
    }
    commit(
        r.stanza,
        [this, name](storage::Database&) {
            store_.delete_node(name);
            nodes_.erase(name);
        },
        [this, name, subscribers, reply = std::make_shared<Stanza>(iq_result(r.stanza))] {
            pubsub::NodeEvent event{name};
            module_.notify(pubsub::kNodeDeleted, event);
            answer(std::move(*reply));
            notify_node(*subscribers, "delete", name);
        });
}

void PubsubService::purge(const Request& r) {
    NodeState* node = owned_node(r);
    if (node == nullptr) {
        return;
    }
    std::string name = node->name;
    commit(
        r.stanza, [this, name](storage::Database&) { store_.purge(name); },
        [this, name, reply = std::make_shared<Stanza>(iq_result(r.stanza))] {
            pubsub::NodeEvent event{name};
            module_.notify(pubsub::kNodePurged, event);
            answer(std::move(*reply));
            NodeState* node = find_node(name);
            if (node != nullptr && node->config.notify_retract) {
                notify_node(node->subscriptions, "purge", name);
            }
        });
}

} // namespace cadenza::pubsub_module
