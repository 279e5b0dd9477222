// The pubsub service of one host: node state in memory (loaded from SQLite at start), the
// XEP-0060 operations behind the stanza hooks, and the pubsub::Service interface other modules
// reach with depends<pubsub::Service>("pubsub").
//
// Every change is written through Database::write (group commit): the work runs at once in
// the turn's transaction and updates the memory state; the requester is answered only once the
// change is durable. Items and retractions are notified (hook events, subscribers) as soon as
// their transaction committed, a few milliseconds earlier. If the commit fails, the requester
// gets internal-server-error and the memory state is reloaded from the database.
//
// Owned by a shared_ptr handed to Module::provide; the hooks hold it too, commit callbacks
// only a weak_ptr (they do nothing once the module unloaded). Loop thread only.
#pragma once

#include "access.hpp"
#include "errors.hpp"
#include "node.hpp"
#include "node_store.hpp"
#include "settings.hpp"

#include <cadenza/module.hpp>
#include <cadenza/services/pubsub.hpp>
#include <cadenza/xmpp.hpp>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::pubsub_module {

class PubsubService final : public pubsub::Service,
                            public std::enable_shared_from_this<PubsubService> {
public:
    PubsubService(Module& module, Settings settings);

    // Creates the tables if needed and reads every node. Throws storage::StorageError.
    void start();
    // The disco#info features of the service (XEP-0060 §10).
    static std::vector<std::string> features();

    // pubsub::Service
    bool node_exists(std::string_view node) override;
    std::optional<NodeConfig> node_config(std::string_view node) override;
    std::vector<Item> items_after(std::string_view node, std::string_view after_id,
                                  std::size_t limit) override;
    std::optional<std::int64_t> item_sequence(std::string_view node,
                                              std::string_view item_id) override;
    std::vector<Item> items_after_sequence(std::string_view node, std::int64_t sequence,
                                           std::size_t limit) override;
    bool may_read(std::string_view node, const std::optional<Jid>& reader) override;

    // Stanza hooks (see pubsub.cpp): each returns kHandled when it answered.
    HookResult on_pubsub_iq(StanzaEvent& event);
    HookResult on_disco_info(StanzaEvent& event);
    HookResult on_disco_items(StanzaEvent& event);
    HookResult on_message(StanzaEvent& event);

private:
    // One pubsub request being handled: borrowed for the hook call.
    struct Request {
        const Stanza& stanza;
        Jid from;         // the requester (full JID)
        std::string bare; // its bare JID
        Element pubsub;   // <pubsub/> (either namespace)
        Element action;   // the operation element inside it
    };

    // user_ops.cpp and publish.cpp (namespace pubsub)
    void create(const Request& r);
    void publish(const Request& r);
    void retract(const Request& r);
    void subscribe(const Request& r);
    void unsubscribe(const Request& r);
    void items(const Request& r);
    void own_subscriptions(const Request& r);
    void own_affiliations(const Request& r);
    // The requester's own subscriptions or affiliations (`list_name`) on every node, or on the
    // one the action names; `add_entries` adds those of one node to the list.
    using AddEntries =
        std::function<void(Element list, const std::string& name, const NodeState& node)>;
    void own_list(const Request& r, std::string_view list_name, const AddEntries& add_entries);
    // The node named by the action; nullptr after answering an error.
    NodeState* named_node(const Request& r);

    // owner_ops.cpp and owner_lists.cpp (namespace pubsub#owner). owner_request checks that the
    // requester owns the node the action names, then runs the operation on it.
    void owner_request(const Request& r, bool set);
    void get_default(const Request& r);
    void get_configure(const Request& r, NodeState& node);
    void set_configure(const Request& r, NodeState& node);
    void delete_node(const Request& r, NodeState& node);
    void purge(const Request& r, NodeState& node);
    void get_subscriptions(const Request& r, NodeState& node);
    void set_subscriptions(const Request& r, NodeState& node);
    void get_affiliations(const Request& r, NodeState& node);
    void set_affiliations(const Request& r, NodeState& node);

    // notifications.cpp
    // <message type='headline'><event xmlns='...#event'/></message> from the service; returns
    // the message and sets `event` to its <event/>.
    Stanza event_message(Element& event);
    // Sends a clone of `message` to every subscription of `node` in state subscribed.
    void send_to_subscribers(const std::vector<Subscription>& subscriptions, const Stanza& message);
    // `stored` is the item as handed to item-published (its payload is copied when the node
    // delivers payloads).
    void notify_items(const NodeState& node, const Item& item, Element stored);
    void notify_retract(const NodeState& node, std::string_view item_id);
    void notify_node(const std::vector<Subscription>& subscriptions, std::string_view kind,
                     std::string_view node);
    // Tells `jid` its subscription to `node` changed (approval, removal by an owner).
    void notify_subscription(std::string_view node, const Subscription& subscription);
    // authorization.cpp: asks the node's owners to approve a pending subscription.
    void request_authorization(const NodeState& node, const Subscription& subscription);
    bool handle_authorization(const Stanza& message);

    // Runs `work` now in the group transaction; `on_visible` once it committed, `on_durable`
    // once it is on disk. On failure the requester of `request` gets internal-server-error
    // and memory is reloaded.
    void commit(const Stanza& request, std::function<void(storage::Database&)> work,
                std::function<void()> on_durable, std::function<void()> on_visible = nullptr);
    void reload();
    void answer(Stanza reply) { module_.send(std::move(reply)); }
    void fail(const Stanza& request, const PubsubError& error);
    NodeState* find_node(std::string_view name);
    // The node a write's work changes; throws (rolling the write back) if it is gone.
    NodeState& node_to_change(std::string_view name);
    // A fresh node owned by `creator` with the default configuration.
    NodeState new_node(std::string name, const std::string& creator) const;
    // A random UUID-like string: generated item ids, instant node names, subids.
    std::string new_id();
    // A generated item id not used in the node yet.
    std::string new_item_id(std::string_view node);
    // <item id='...'>payload</item> in namespace `ns` (publisher when configured to expose).
    Element add_item_element(Element parent, std::string_view ns, const Item& item,
                             bool with_payload);

    Module& module_;
    Settings settings_;
    NodeStore store_;
    Access access_;
    std::map<std::string, NodeState, std::less<>> nodes_;
    std::mt19937_64 random_;
};

} // namespace cadenza::pubsub_module
