// Publishing and retracting items (XEP-0060 §7.1, §7.2), with publish-options (§7.1.5) and
// autocreate_on_publish.
#include "config_form.hpp"
#include "service.hpp"

#include <ctime>

namespace cadenza::pubsub_module {
void PubsubService::publish(const Request& r) {
    std::string node_name(r.action.attr("node"));
    if (node_name.empty()) {
        return fail(r.stanza, errors::bad_request("nodeid-required"));
    }
    std::vector<Element> items = r.action.children("item", kPubsubNs);
    if (items.size() > 1) {
        return fail(r.stanza, errors::bad_request("invalid-payload"));
    }
    Element item_element = items.empty() ? Element() : items.front();

    std::optional<SubmittedForm> options;
    if (Element po = r.pubsub.child("publish-options", kPubsubNs)) {
        options = read_form(po.child("x", kDataFormsNs));
        std::string form_type = options ? options->form_type() : std::string();
        if (!options || (!form_type.empty() && form_type != kPublishOptionsFormType)) {
            return fail(r.stanza, errors::bad_request("invalid-options"));
        }
    }

    NodeState* node = find_node(node_name);
    std::optional<NodeState> created;
    if (node == nullptr) {
        if (!settings_.autocreate_on_publish) {
            return fail(r.stanza, errors::item_not_found());
        }
        if (!access_.may_create(r.from)) {
            return fail(r.stanza, errors::forbidden());
        }
        if (node_name.size() > kMaxNameBytes) {
            return fail(r.stanza, errors::not_acceptable({}, "node name too long"));
        }
        created = new_node(node_name, r.bare);
        // The publish-options become the new node's configuration.
        if (options) {
            if (auto bad =
                    apply_config_form(*options, created->config, settings_.max_items_limit)) {
                return fail(r.stanza, errors::not_acceptable({}, *bad));
            }
        }
        node = &*created;
    } else if (options && !preconditions_met(*options, node->config, settings_.max_items_limit)) {
        return fail(r.stanza, errors::precondition_not_met());
    }
    if (auto refused = access_.publish_error(*node, r.bare)) {
        return fail(r.stanza, *refused);
    }

    const NodeConfig& config = node->config;
    bool transient_notification = !config.persist_items && !config.deliver_payloads;
    Element payload;
    if (!item_element) {
        if (!transient_notification) {
            return fail(r.stanza, errors::bad_request("item-required"));
        }
    } else {
        std::vector<Element> children = item_element.children();
        if (children.size() > 1) {
            return fail(r.stanza, errors::bad_request("invalid-payload"));
        }
        if (transient_notification) {
            return fail(r.stanza, errors::bad_request("item-forbidden"));
        }
        payload = children.empty() ? Element() : children.front();
        if (!payload && config.deliver_payloads) {
            return fail(r.stanza, errors::bad_request("payload-required"));
        }
    }

    Item item;
    item.id = item_element ? std::string(item_element.attr("id")) : std::string();
    if (item.id.size() > kMaxNameBytes) {
        return fail(r.stanza, errors::not_acceptable({}, "item id too long"));
    }
    if (item.id.empty()) {
        item.id = new_item_id(node_name);
    }
    if (payload) {
        item.payload = payload.serialize();
        if (item.payload.size() > settings_.max_payload_size) {
            return fail(r.stanza, errors::not_acceptable("payload-too-big"));
        }
    }
    item.publisher = r.bare;
    item.published_at = static_cast<std::int64_t>(std::time(nullptr));

    Stanza reply = iq_result(r.stanza);
    Element publish = add_pubsub_child(reply, kPubsubNs, "publish", node_name);
    publish.add_child("item", kPubsubNs).set_attr("id", item.id);

    auto shared_item = std::make_shared<Item>(std::move(item));
    std::int64_t keep = config.max_items;
    bool was_created = created.has_value();
    auto fresh = was_created ? std::make_shared<NodeState>(std::move(*created)) : nullptr;
    commit(
        r.stanza,
        [this, node_name, shared_item, keep, fresh](storage::Database&) {
            if (fresh) {
                store_.insert_node(*fresh);
            }
            shared_item->sequence = store_.store_item(node_name, *shared_item);
            store_.trim(node_name, keep);
            if (fresh) {
                nodes_.emplace(node_name, *fresh);
            }
        },
        [this, reply = std::make_shared<Stanza>(std::move(reply))] { answer(std::move(*reply)); },
        [this, node_name, shared_item, was_created] {
            if (was_created) {
                pubsub::NodeEvent event{node_name};
                module_.notify(pubsub::kNodeCreated, event);
            }
            // The stored <item/> (payload inside), handed to observers such as the eventsource.
            Stanza holder = Stanza::make("items", kPubsubNs);
            Element stored = add_item_element(holder.root(), kPubsubNs, *shared_item, true);
            pubsub::ItemPublished event{node_name, *shared_item, stored};
            module_.notify(pubsub::kItemPublished, event);
            if (NodeState* node = find_node(node_name)) {
                notify_items(*node, *shared_item, stored);
            }
        });
}

void PubsubService::retract(const Request& r) {
    NodeState* node = named_node(r);
    if (node == nullptr) {
        return;
    }
    std::string node_name = node->name;
    std::string id(r.action.child("item", kPubsubNs).attr("id"));
    if (id.empty()) {
        return fail(r.stanza, errors::bad_request("item-required"));
    }
    std::optional<Item> item = store_.item(node_name, id);
    if (!item) {
        return fail(r.stanza, errors::item_not_found());
    }
    if (!access_.may_retract(*node, r.bare, item->publisher)) {
        return fail(r.stanza, errors::forbidden());
    }
    std::string_view notify_attr = r.action.attr("notify");
    bool notify = node->config.notify_retract || notify_attr == "true" || notify_attr == "1";
    commit(
        r.stanza, [this, node_name, id](storage::Database&) { store_.delete_item(node_name, id); },
        [this, reply = std::make_shared<Stanza>(iq_result(r.stanza))] { answer(std::move(*reply)); },
        [this, node_name, id, notify] {
            pubsub::ItemRetracted event{node_name, id};
            module_.notify(pubsub::kItemRetracted, event);
            NodeState* node = find_node(node_name);
            if (notify && node != nullptr) {
                notify_retract(*node, id);
            }
        });
}

} // namespace cadenza::pubsub_module
