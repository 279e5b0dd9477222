// mod_pubsub's tables in the server's SQLite database: nodes, affiliations, subscriptions and
// items, each row keyed by the pubsub host so that several pubsub components share one file.
//
// Items carry `seq`, an AUTOINCREMENT rowid: strictly increasing in publication order and
// never reused, so "items after X" survives restarts; a re-published id gets a new seq (it
// moves to the end).
//
// The write methods are meant to run inside Database::write (the service's group commit);
// reads run directly. The store counts each node's items in memory, so that enforcing
// max_items costs nothing until a node is full; the owner calls forget_counts() whenever a
// write was rolled back. Borrows the Database, which outlives the module. Loop thread only.
#pragma once

#include "node.hpp"

#include <cadenza/storage.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::pubsub_module {

using pubsub::Item;

class NodeStore {
public:
    NodeStore(storage::Database& db, std::string host) : db_(db), host_(std::move(host)) {}

    // Creates or upgrades the tables (Database::migrate, store "pubsub").
    void migrate();
    // Every node of this host with its affiliations and subscriptions.
    std::map<std::string, NodeState, std::less<>> load_nodes();

    void insert_node(const NodeState& node);
    void update_config(std::string_view node, const NodeConfig& config);
    void delete_node(std::string_view node); // with its items, affiliations, subscriptions
    void set_affiliation(std::string_view node, std::string_view jid, Affiliation affiliation);
    void set_subscription(std::string_view node, const Subscription& subscription);
    void delete_subscription(std::string_view node, std::string_view jid);

    // Stores an item (replacing one with the same id) and returns its seq.
    std::int64_t store_item(std::string_view node, const Item& item);
    // Keeps only the `keep` most recent items; returns how many were removed.
    std::int64_t trim(std::string_view node, std::int64_t keep);
    // Drops the item counts (a write failed and was rolled back): recounted when needed.
    void forget_counts() { counts_.clear(); }
    bool delete_item(std::string_view node, std::string_view id);
    void purge(std::string_view node);

    bool item_exists(std::string_view node, std::string_view id);
    std::optional<Item> item(std::string_view node, std::string_view id);
    // The `max` most recent items (0: all), oldest first.
    std::vector<Item> recent_items(std::string_view node, std::size_t max);
    // The seq of a retained item.
    std::optional<std::int64_t> item_sequence(std::string_view node, std::string_view id);
    // Items with a seq above `sequence`, oldest first, at most `limit`.
    std::vector<Item> items_after_sequence(std::string_view node, std::int64_t sequence,
                                           std::size_t limit);

private:
    Item read_item(storage::Statement& st) const;
    // The node's item count, read from the table the first time.
    std::int64_t& count(std::string_view node);

    storage::Database& db_;
    std::string host_;
    std::map<std::string, std::int64_t, std::less<>> counts_;
};

} // namespace cadenza::pubsub_module
