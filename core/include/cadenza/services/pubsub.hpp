// mod_pubsub's interface to other modules (XEP-0060): the events it fires on its host's bus
// and the service other modules reach with module.depends<pubsub::Service>("pubsub").
#pragma once

#include <cadenza/jid.hpp>
#include <cadenza/module.hpp>
#include <cadenza/stanza.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::pubsub {

enum class AccessModel { kOpen, kPresence, kRoster, kAuthorize, kWhitelist };
enum class PublishModel { kPublishers, kSubscribers, kOpen };
enum class Affiliation { kOwner, kPublisher, kPublishOnly, kMember, kNone, kOutcast };

inline std::string_view access_model_name(AccessModel model) {
    switch (model) {
    case AccessModel::kOpen: return "open";
    case AccessModel::kPresence: return "presence";
    case AccessModel::kRoster: return "roster";
    case AccessModel::kAuthorize: return "authorize";
    case AccessModel::kWhitelist: return "whitelist";
    }
    return "open";
}
inline std::string_view publish_model_name(PublishModel model) {
    switch (model) {
    case PublishModel::kPublishers: return "publishers";
    case PublishModel::kSubscribers: return "subscribers";
    case PublishModel::kOpen: return "open";
    }
    return "publishers";
}
inline std::string_view affiliation_name(Affiliation a) {
    switch (a) {
    case Affiliation::kOwner: return "owner";
    case Affiliation::kPublisher: return "publisher";
    case Affiliation::kPublishOnly: return "publish-only";
    case Affiliation::kMember: return "member";
    case Affiliation::kNone: return "none";
    case Affiliation::kOutcast: return "outcast";
    }
    return "none";
}

struct NodeConfig {
    std::string title;                                  // pubsub#title
    AccessModel access_model = AccessModel::kOpen;      // pubsub#access_model
    PublishModel publish_model = PublishModel::kPublishers; // pubsub#publish_model
    std::int64_t max_items = 20;                        // pubsub#max_items (0: none kept)
    bool persist_items = true;                          // pubsub#persist_items
    bool notify_retract = true;                         // pubsub#notify_retract
    bool notify_delete = true;                          // pubsub#notify_delete
    bool deliver_payloads = true;                       // pubsub#deliver_payloads
};

// A retained item. `payload` is the item's payload element serialised on its own (with its
// namespace declarations); empty for an item published without payload.
struct Item {
    std::string id;
    std::string payload;
    std::string publisher; // bare JID of the publisher
    // Strictly increasing across the whole service in publication order (a re-published id
    // gets a new one), so streams of several nodes can resume from one position.
    std::int64_t sequence = 0;
    std::int64_t published_at = 0; // seconds since the epoch
};

// ---- Events fired on the pubsub host's bus (all "notify" events: every observer runs). ----

// `item-published`: after the item is stored and committed, before the publisher is answered.
struct ItemPublished {
    std::string_view node;
    const Item& item;
    Element item_element; // the <item/> as stored (payload inside), borrowed
};
// `item-retracted`
struct ItemRetracted {
    std::string_view node;
    std::string_view item_id;
};
// `node-created`, `node-deleted`, `node-purged`
struct NodeEvent {
    std::string_view node;
};
// `node-configured`
struct NodeConfigured {
    std::string_view node;
    const NodeConfig& config;
};

inline constexpr std::string_view kItemPublished = "item-published";
inline constexpr std::string_view kItemRetracted = "item-retracted";
inline constexpr std::string_view kNodeCreated = "node-created";
inline constexpr std::string_view kNodeConfigured = "node-configured";
inline constexpr std::string_view kNodeDeleted = "node-deleted";
inline constexpr std::string_view kNodePurged = "node-purged";

// What mod_pubsub offers other modules on its host.
class Service : public cadenza::Service {
public:
    virtual bool node_exists(std::string_view node) = 0;
    virtual std::optional<NodeConfig> node_config(std::string_view node) = 0;
    // Retained items published after the item `after_id`, oldest first, at most `limit`.
    // `after_id` empty, or an id no longer retained: every retained item.
    virtual std::vector<Item> items_after(std::string_view node, std::string_view after_id,
                                          std::size_t limit) = 0;
    // The sequence of a retained item; nullopt when the node or item is not retained.
    virtual std::optional<std::int64_t> item_sequence(std::string_view node,
                                                      std::string_view item_id) = 0;
    // Retained items with a sequence greater than `sequence`, oldest first, at most `limit`.
    virtual std::vector<Item> items_after_sequence(std::string_view node, std::int64_t sequence,
                                                   std::size_t limit) = 0;
    // May `reader` (nullopt: an anonymous reader) read the node's items under its access
    // model? Owners, publishers and members always may; outcasts never.
    virtual bool may_read(std::string_view node, const std::optional<Jid>& reader) = 0;
};

} // namespace cadenza::pubsub
