// Owner use cases of XEP-0060 (§8.2-8.5): configure, default configuration, delete, purge;
// and the checks every owner request passes first.
#include "config_form.hpp"
#include "service.hpp"

namespace cadenza::pubsub_module {

void PubsubService::owner_request(const Request& r, bool set) {
    using Operation = void (PubsubService::*)(const Request&, NodeState&);
    std::string_view name = r.action.name();
    if (!set && name == "default") {
        return get_default(r);
    }
    Operation operation = nullptr;
    if (name == "configure") {
        operation = set ? &PubsubService::set_configure : &PubsubService::get_configure;
    } else if (set && name == "delete") {
        operation = &PubsubService::delete_node;
    } else if (set && name == "purge") {
        operation = &PubsubService::purge;
    } else if (name == "subscriptions") {
        operation = set ? &PubsubService::set_subscriptions : &PubsubService::get_subscriptions;
    } else if (name == "affiliations") {
        operation = set ? &PubsubService::set_affiliations : &PubsubService::get_affiliations;
    }
    if (operation == nullptr) {
        return fail(r.stanza, errors::unsupported(name));
    }
    NodeState* node = named_node(r);
    if (node == nullptr) {
        return;
    }
    if (!access_.is_owner(*node, r.bare)) {
        return fail(r.stanza, errors::forbidden());
    }
    (this->*operation)(r, *node);
}

void PubsubService::get_configure(const Request& r, NodeState& node) {
    Stanza reply = iq_result(r.stanza);
    Element configure = add_pubsub_child(reply, kOwnerNs, "configure", node.name);
    add_config_form(configure, node.config, settings_.max_items_limit);
    answer(std::move(reply));
}

void PubsubService::set_configure(const Request& r, NodeState& node) {
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
    NodeConfig config = node.config;
    if (auto bad = apply_config_form(*form, config, settings_.max_items_limit)) {
        return fail(r.stanza, errors::not_acceptable({}, *bad));
    }
    std::string name = node.name;
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
    Element def = add_pubsub_child(reply, kOwnerNs, "default", {});
    add_config_form(def, settings_.node_defaults, settings_.max_items_limit);
    answer(std::move(reply));
}

void PubsubService::delete_node(const Request& r, NodeState& node) {
    std::string name = node.name;
    // Who to tell is decided now: the subscriptions go with the node.
    auto subscribers = std::make_shared<std::vector<Subscription>>();
    if (node.config.notify_delete) {
        *subscribers = node.subscriptions;
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

void PubsubService::purge(const Request& r, NodeState& node) {
    std::string name = node.name;
    commit(
        r.stanza, [this, name](storage::Database&) { store_.purge(name); },
        [this, name, reply = std::make_shared<Stanza>(iq_result(r.stanza))] {
            pubsub::NodeEvent event{name};
            module_.notify(pubsub::kNodePurged, event);
            answer(std::move(*reply));
            NodeState* current = find_node(name);
            if (current != nullptr && current->config.notify_retract) {
                notify_node(current->subscriptions, "purge", name);
            }
        });
}

} // namespace cadenza::pubsub_module
