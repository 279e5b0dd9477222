#include "node_store.hpp"

#include <algorithm>
#include <limits>

namespace cadenza::pubsub_module {
namespace {

// Released schema steps: never edit one, append new ones.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE pubsub_nodes (
    host TEXT NOT NULL,
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    access_model TEXT NOT NULL,
    publish_model TEXT NOT NULL,
    max_items INTEGER NOT NULL,
    persist_items INTEGER NOT NULL,
    notify_retract INTEGER NOT NULL,
    notify_delete INTEGER NOT NULL,
    deliver_payloads INTEGER NOT NULL,
    creator TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (host, name)
);
CREATE TABLE pubsub_affiliations (
    host TEXT NOT NULL,
    node TEXT NOT NULL,
    jid TEXT NOT NULL,
    affiliation TEXT NOT NULL,
    PRIMARY KEY (host, node, jid),
    FOREIGN KEY (host, node) REFERENCES pubsub_nodes (host, name) ON DELETE CASCADE
);
CREATE TABLE pubsub_subscriptions (
    host TEXT NOT NULL,
    node TEXT NOT NULL,
    jid TEXT NOT NULL,
    subid TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (host, node, jid),
    FOREIGN KEY (host, node) REFERENCES pubsub_nodes (host, name) ON DELETE CASCADE
);
CREATE TABLE pubsub_items (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    host TEXT NOT NULL,
    node TEXT NOT NULL,
    id TEXT NOT NULL,
    payload TEXT NOT NULL,
    publisher TEXT NOT NULL,
    published_at INTEGER NOT NULL,
    UNIQUE (host, node, id),
    FOREIGN KEY (host, node) REFERENCES pubsub_nodes (host, name) ON DELETE CASCADE
);
CREATE INDEX pubsub_items_by_seq ON pubsub_items (host, node, seq);
)sql";

bool as_bool(std::int64_t v) {
    return v != 0;
}

} // namespace

void NodeStore::migrate() {
    db_.migrate("pubsub", {kSchemaV1});
}

std::map<std::string, NodeState, std::less<>> NodeStore::load_nodes() {
    std::map<std::string, NodeState, std::less<>> nodes;
    auto& st =
        db_.prepare("SELECT name, title, access_model, publish_model, max_items, persist_items, "
                    "notify_retract, notify_delete, deliver_payloads, creator, created_at "
                    "FROM pubsub_nodes WHERE host = ?");
    st.bind(1, host_);
    while (st.step()) {
        NodeState node;
        node.name = st.column_text(0);
        node.config.title = st.column_text(1);
        node.config.access_model =
            parse_access_model(st.column_view(2)).value_or(AccessModel::kWhitelist);
        node.config.publish_model =
            parse_publish_model(st.column_view(3)).value_or(PublishModel::kPublishers);
        node.config.max_items = st.column_int(4);
        node.config.persist_items = as_bool(st.column_int(5));
        node.config.notify_retract = as_bool(st.column_int(6));
        node.config.notify_delete = as_bool(st.column_int(7));
        node.config.deliver_payloads = as_bool(st.column_int(8));
        node.creator = st.column_text(9);
        node.created_at = st.column_int(10);
        std::string name = node.name;
        nodes.emplace(std::move(name), std::move(node));
    }
    st.reset();

    auto& affs =
        db_.prepare("SELECT node, jid, affiliation FROM pubsub_affiliations WHERE host = ?");
    affs.bind(1, host_);
    while (affs.step()) {
        auto it = nodes.find(affs.column_view(0));
        auto affiliation = parse_affiliation(affs.column_view(2));
        if (it != nodes.end() && affiliation && *affiliation != Affiliation::kNone) {
            it->second.affiliations[affs.column_text(1)] = *affiliation;
        }
    }
    affs.reset();

    auto& subs = db_.prepare(
        "SELECT node, jid, subid, state FROM pubsub_subscriptions WHERE host = ? ORDER BY rowid");
    subs.bind(1, host_);
    while (subs.step()) {
        auto it = nodes.find(subs.column_view(0));
        auto state = parse_subscription_state(subs.column_view(3));
        auto jid = Jid::parse(subs.column_view(1));
        if (it != nodes.end() && state && jid) {
            it->second.subscriptions.push_back(
                {jid->full(), jid->bare().str(), subs.column_text(2), *state});
        }
    }
    subs.reset();
    return nodes;
}

void NodeStore::insert_node(const NodeState& node) {
    db_.prepare("INSERT INTO pubsub_nodes (host, name, title, access_model, publish_model, "
                "max_items, persist_items, notify_retract, notify_delete, deliver_payloads, "
                "creator, created_at) VALUES (?, ?, '', 'open', 'publishers', 0, 1, 1, 1, 1, ?, ?)")
        .bind(1, host_)
        .bind(2, node.name)
        .bind(3, node.creator)
        .bind(4, node.created_at)
        .run();
    update_config(node.name, node.config);
    for (const auto& [jid, affiliation] : node.affiliations) {
        set_affiliation(node.name, jid, affiliation);
    }
    for (const auto& subscription : node.subscriptions) {
        set_subscription(node.name, subscription);
    }
}

void NodeStore::update_config(std::string_view node, const NodeConfig& c) {
    db_.prepare("UPDATE pubsub_nodes SET title = ?, access_model = ?, publish_model = ?, "
                "max_items = ?, persist_items = ?, notify_retract = ?, notify_delete = ?, "
                "deliver_payloads = ? WHERE host = ? AND name = ?")
        .bind(1, c.title)
        .bind(2, pubsub::access_model_name(c.access_model))
        .bind(3, pubsub::publish_model_name(c.publish_model))
        .bind(4, c.max_items)
        .bind(5, c.persist_items ? 1 : 0)
        .bind(6, c.notify_retract ? 1 : 0)
        .bind(7, c.notify_delete ? 1 : 0)
        .bind(8, c.deliver_payloads ? 1 : 0)
        .bind(9, host_)
        .bind(10, node)
        .run();
}

void NodeStore::delete_node(std::string_view node) {
    if (auto it = counts_.find(node); it != counts_.end()) {
        counts_.erase(it);
    }
    // Children first: correct whether or not SQLite enforces the foreign keys.
    for (std::string_view sql : {"DELETE FROM pubsub_items WHERE host = ? AND node = ?",
                                 "DELETE FROM pubsub_affiliations WHERE host = ? AND node = ?",
                                 "DELETE FROM pubsub_subscriptions WHERE host = ? AND node = ?",
                                 "DELETE FROM pubsub_nodes WHERE host = ? AND name = ?"}) {
        db_.prepare(sql).bind(1, host_).bind(2, node).run();
    }
}

void NodeStore::set_affiliation(std::string_view node, std::string_view jid,
                                Affiliation affiliation) {
    if (affiliation == Affiliation::kNone) {
        db_.prepare("DELETE FROM pubsub_affiliations WHERE host = ? AND node = ? AND jid = ?")
            .bind(1, host_)
            .bind(2, node)
            .bind(3, jid)
            .run();
        return;
    }
    db_.prepare(
           "INSERT INTO pubsub_affiliations (host, node, jid, affiliation) VALUES (?, ?, ?, ?) "
           "ON CONFLICT (host, node, jid) DO UPDATE SET affiliation = excluded.affiliation")
        .bind(1, host_)
        .bind(2, node)
        .bind(3, jid)
        .bind(4, pubsub::affiliation_name(affiliation))
        .run();
}

void NodeStore::set_subscription(std::string_view node, const Subscription& s) {
    db_.prepare("INSERT INTO pubsub_subscriptions (host, node, jid, subid, state) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (host, node, jid) DO UPDATE SET "
                "subid = excluded.subid, state = excluded.state")
        .bind(1, host_)
        .bind(2, node)
        .bind(3, s.jid)
        .bind(4, s.subid)
        .bind(5, subscription_state_name(s.state))
        .run();
}

void NodeStore::delete_subscription(std::string_view node, std::string_view jid) {
    db_.prepare("DELETE FROM pubsub_subscriptions WHERE host = ? AND node = ? AND jid = ?")
        .bind(1, host_)
        .bind(2, node)
        .bind(3, jid)
        .run();
}

std::int64_t& NodeStore::count(std::string_view node) {
    auto it = counts_.find(node);
    if (it == counts_.end()) {
        auto& st = db_.prepare("SELECT count(*) FROM pubsub_items WHERE host = ? AND node = ?");
        st.bind(1, host_).bind(2, node);
        std::int64_t n = st.step() ? st.column_int(0) : 0;
        st.reset();
        it = counts_.emplace(std::string(node), n).first;
    }
    return it->second;
}

std::int64_t NodeStore::store_item(std::string_view node, const Item& item) {
    std::int64_t& items = count(node);
    db_.prepare("DELETE FROM pubsub_items WHERE host = ? AND node = ? AND id = ?")
        .bind(1, host_)
        .bind(2, node)
        .bind(3, item.id)
        .run();
    items -= db_.changes();
    db_.prepare("INSERT INTO pubsub_items (host, node, id, payload, publisher, published_at) "
                "VALUES (?, ?, ?, ?, ?, ?)")
        .bind(1, host_)
        .bind(2, node)
        .bind(3, item.id)
        .bind(4, item.payload)
        .bind(5, item.publisher)
        .bind(6, item.published_at)
        .run();
    ++items;
    return db_.last_insert_rowid();
}

std::int64_t NodeStore::trim(std::string_view node, std::int64_t keep) {
    if (keep <= 0) {
        purge(node);
        return db_.changes();
    }
    std::int64_t& items = count(node);
    if (items <= keep) {
        return 0;
    }
    // Only the excess goes, oldest first: a full node pays for one row per publish.
    db_.prepare("DELETE FROM pubsub_items WHERE seq IN (SELECT seq FROM pubsub_items "
                "WHERE host = ? AND node = ? ORDER BY seq LIMIT ?)")
        .bind(1, host_)
        .bind(2, node)
        .bind(3, items - keep)
        .run();
    std::int64_t removed = db_.changes();
    items -= removed;
    return removed;
}

bool NodeStore::delete_item(std::string_view node, std::string_view id) {
    std::int64_t& items = count(node);
    db_.prepare("DELETE FROM pubsub_items WHERE host = ? AND node = ? AND id = ?")
        .bind(1, host_)
        .bind(2, node)
        .bind(3, id)
        .run();
    items -= db_.changes();
    return db_.changes() > 0;
}

void NodeStore::purge(std::string_view node) {
    db_.prepare("DELETE FROM pubsub_items WHERE host = ? AND node = ?")
        .bind(1, host_)
        .bind(2, node)
        .run();
    counts_.insert_or_assign(std::string(node), 0);
}

bool NodeStore::item_exists(std::string_view node, std::string_view id) {
    auto& st = db_.prepare("SELECT 1 FROM pubsub_items WHERE host = ? AND node = ? AND id = ?");
    st.bind(1, host_).bind(2, node).bind(3, id);
    bool found = st.step();
    st.reset();
    return found;
}

Item NodeStore::read_item(storage::Statement& st) const {
    Item item;
    item.id = st.column_text(0);
    item.payload = st.column_text(1);
    item.publisher = st.column_text(2);
    item.sequence = st.column_int(3);
    item.published_at = st.column_int(4);
    return item;
}

std::optional<Item> NodeStore::item(std::string_view node, std::string_view id) {
    auto& st = db_.prepare("SELECT id, payload, publisher, seq, published_at "
                           "FROM pubsub_items WHERE host = ? AND node = ? AND id = ?");
    st.bind(1, host_).bind(2, node).bind(3, id);
    std::optional<Item> found;
    if (st.step()) {
        found = read_item(st);
    }
    st.reset();
    return found;
}

std::vector<Item> NodeStore::recent_items(std::string_view node, std::size_t max) {
    auto& st = db_.prepare("SELECT id, payload, publisher, seq, published_at "
                           "FROM pubsub_items WHERE host = ? AND node = ? "
                           "ORDER BY seq DESC LIMIT ?");
    std::int64_t limit = max == 0 ? -1 : static_cast<std::int64_t>(max);
    st.bind(1, host_).bind(2, node).bind(3, limit);
    std::vector<Item> items;
    while (st.step()) {
        items.push_back(read_item(st));
    }
    st.reset();
    std::reverse(items.begin(), items.end());
    return items;
}

std::optional<std::int64_t> NodeStore::item_sequence(std::string_view node, std::string_view id) {
    auto& st = db_.prepare("SELECT seq FROM pubsub_items WHERE host = ? AND node = ? AND id = ?");
    st.bind(1, host_).bind(2, node).bind(3, id);
    std::optional<std::int64_t> seq;
    if (st.step()) {
        seq = st.column_int(0);
    }
    st.reset();
    return seq;
}

std::vector<Item> NodeStore::items_after_sequence(std::string_view node, std::int64_t sequence,
                                                  std::size_t limit) {
    auto& st = db_.prepare("SELECT id, payload, publisher, seq, published_at "
                           "FROM pubsub_items WHERE host = ? AND node = ? AND seq > ? "
                           "ORDER BY seq LIMIT ?");
    std::int64_t max = limit > static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max())
                           ? -1
                           : static_cast<std::int64_t>(limit);
    st.bind(1, host_).bind(2, node).bind(3, sequence).bind(4, max);
    std::vector<Item> items;
    while (st.step()) {
        items.push_back(read_item(st));
    }
    st.reset();
    return items;
}

} // namespace cadenza::pubsub_module
