#include "service.hpp"

#include <cstdio>
#include <ctime>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace cadenza::pubsub_module {
namespace {

// What an error reply needs of its request (make_error_reply copies nothing else).
class ReplyAddress {
public:
    explicit ReplyAddress(const Stanza& request)
        : name_(request.name()), ns_(request.ns()), id_(attr(request, "id")),
          from_(attr(request, "from")), to_(attr(request, "to")) {}

    // A body-less copy of the request, to answer.
    Stanza request() const {
        Stanza s = Stanza::make(name_, ns_);
        for (const auto& [name, value] : {std::pair{"id", &id_}, {"from", &from_}, {"to", &to_}}) {
            if (*value) {
                s.set_attr(name, **value);
            }
        }
        return s;
    }

private:
    static std::optional<std::string> attr(const Stanza& s, std::string_view name) {
        return s.has_attr(name) ? std::optional<std::string>(s.attr(name)) : std::nullopt;
    }

    std::string name_;
    std::string ns_;
    std::optional<std::string> id_;
    std::optional<std::string> from_;
    std::optional<std::string> to_;
};

} // namespace

PubsubService::PubsubService(Module& module, Settings settings)
    : module_(module), settings_(std::move(settings)), store_(module.database(), module.host()),
      access_(settings_, module.accounts()), random_(std::random_device{}()) {}

void PubsubService::start() {
    store_.migrate();
    nodes_ = store_.load_nodes();
    module_.log().info(nodes_.size(), " node(s) loaded");
}

std::vector<std::string> PubsubService::features() {
    std::vector<std::string> out{std::string(kPubsubNs)};
    for (const char* f : {"access-authorize",
                          "access-open",
                          "access-presence",
                          "access-roster",
                          "access-whitelist",
                          "config-node",
                          "create-and-configure",
                          "create-nodes",
                          "delete-items",
                          "delete-nodes",
                          "instant-nodes",
                          "item-ids",
                          "manage-affiliations",
                          "manage-subscriptions",
                          "meta-data",
                          "modify-affiliations",
                          "member-affiliation",
                          "outcast-affiliation",
                          "persistent-items",
                          "publish",
                          "publish-options",
                          "publish-only-affiliation",
                          "publisher-affiliation",
                          "purge-nodes",
                          "retract-items",
                          "retrieve-affiliations",
                          "retrieve-default",
                          "retrieve-items",
                          "retrieve-subscriptions",
                          "subscribe",
                          "subscription-notifications"}) {
        out.push_back(std::string(kPubsubNs) + "#" + f);
    }
    return out;
}

bool PubsubService::node_exists(std::string_view node) {
    return find_node(node) != nullptr;
}

std::optional<NodeConfig> PubsubService::node_config(std::string_view node) {
    NodeState* n = find_node(node);
    if (n == nullptr) {
        return std::nullopt;
    }
    return n->config;
}

std::vector<Item> PubsubService::items_after(std::string_view node, std::string_view after_id,
                                             std::size_t limit) {
    if (find_node(node) == nullptr || limit == 0) {
        return {};
    }
    // An unknown id (or none) replays everything retained.
    std::int64_t after = after_id.empty() ? 0 : store_.item_sequence(node, after_id).value_or(0);
    return store_.items_after_sequence(node, after, limit);
}

std::optional<std::int64_t> PubsubService::item_sequence(std::string_view node,
                                                         std::string_view item_id) {
    if (find_node(node) == nullptr) {
        return std::nullopt;
    }
    return store_.item_sequence(node, item_id);
}

std::vector<Item> PubsubService::items_after_sequence(std::string_view node, std::int64_t sequence,
                                                      std::size_t limit) {
    if (find_node(node) == nullptr || limit == 0) {
        return {};
    }
    return store_.items_after_sequence(node, sequence, limit);
}

bool PubsubService::may_read(std::string_view node, const std::optional<Jid>& reader) {
    NodeState* n = find_node(node);
    return n != nullptr && access_.read_verdict(*n, reader) == ReadVerdict::kAllowed;
}

HookResult PubsubService::on_pubsub_iq(StanzaEvent& event) {
    const Stanza& stanza = event.stanza;
    auto from = Jid::parse(stanza.attr("from"));
    if (!from) {
        return HookResult::kPass; // the core stamps 'from'; nothing sensible to answer
    }
    Element pubsub = stanza.root().first_child();
    bool owner_ns = pubsub.ns() == kOwnerNs;
    bool set = stanza.attr("type") == "set";
    // The operation is the first child; in the user namespace it may come with a
    // configuration form (<configure/>, <publish-options/>, <options/>), which is not it.
    Element action = pubsub.first_child();
    if (!owner_ns) {
        for (Element child : pubsub.children()) {
            std::string_view name = child.name();
            if (name != "configure" && name != "publish-options" && name != "options") {
                action = child;
                break;
            }
        }
    }
    Request r{stanza, *from, from->bare().str(), pubsub, action};
    std::string_view name = action ? action.name() : std::string_view();
    if (!action) {
        fail(stanza, errors::bad_request());
    } else if (owner_ns) {
        owner_request(r, set);
    } else if (set && name == "create") {
        create(r);
    } else if (set && name == "publish") {
        publish(r);
    } else if (set && name == "retract") {
        retract(r);
    } else if (set && name == "subscribe") {
        subscribe(r);
    } else if (set && name == "unsubscribe") {
        unsubscribe(r);
    } else if (!set && name == "items") {
        items(r);
    } else if (!set && name == "subscriptions") {
        own_subscriptions(r);
    } else if (!set && name == "affiliations") {
        own_affiliations(r);
    } else if (name == "options") {
        fail(stanza, errors::unsupported("subscription-options"));
    } else {
        fail(stanza, errors::unsupported(name));
    }
    return HookResult::kHandled;
}

void PubsubService::commit(const Stanza& request, std::function<void(storage::Database&)> work,
                           std::function<void()> on_durable, std::function<void()> on_visible) {
    // Only the request's addressing is kept for a failure reply: building the reply itself
    // on every write cost a publish ~4 % of its instructions, for a reply rarely sent.
    auto failure = std::make_shared<const ReplyAddress>(request);
    std::weak_ptr<PubsubService> weak = weak_from_this();
    std::function<void()> visible;
    if (on_visible) {
        visible = [weak, on_visible = std::move(on_visible)] {
            if (auto self = weak.lock()) {
                on_visible();
            }
        };
    }
    auto done = [weak, failure, on_durable = std::move(on_durable)](bool durable) {
        auto self = weak.lock();
        if (!self) {
            return; // unloaded meanwhile
        }
        if (durable) {
            on_durable();
            return;
        }
        self->module_.log().error("a pubsub change was not stored (see the storage error above); "
                                  "the requester was told to retry");
        self->reload();
        self->answer(error_reply(failure->request(), errors::internal_error()));
    };
    // A work that throws is rolled back: the store's item counts may be off, recount.
    auto guarded = [weak, work = std::move(work)](storage::Database& db) {
        try {
            work(db);
        } catch (...) {
            if (auto self = weak.lock()) {
                self->store_.forget_counts();
            }
            throw;
        }
    };
    module_.database().write(std::move(guarded), std::move(done), std::move(visible));
}

void PubsubService::reload() {
    store_.forget_counts();
    try {
        nodes_ = store_.load_nodes();
    } catch (const std::exception& e) {
        module_.log().error("cannot reload pubsub nodes from the database: ", e.what());
    }
}

void PubsubService::fail(const Stanza& request, const PubsubError& error) {
    answer(error_reply(request, error));
}

NodeState* PubsubService::find_node(std::string_view name) {
    auto it = nodes_.find(name);
    return it == nodes_.end() ? nullptr : &it->second;
}

NodeState& PubsubService::node_to_change(std::string_view name) {
    NodeState* node = find_node(name);
    if (node == nullptr) {
        throw std::logic_error("pubsub node '" + std::string(name) + "' vanished during a write");
    }
    return *node;
}

NodeState PubsubService::new_node(std::string name, const std::string& creator) const {
    NodeState node;
    node.name = std::move(name);
    node.config = settings_.node_defaults;
    node.creator = creator;
    node.created_at = static_cast<std::int64_t>(std::time(nullptr));
    node.affiliations[creator] = Affiliation::kOwner;
    return node;
}

std::string PubsubService::new_id() {
    std::uint64_t hi = random_();
    std::uint64_t lo = random_();
    // A version 4 UUID layout: the generator is not cryptographic, ids only need be unique.
    hi = (hi & 0xffffffffffff0fffULL) | 0x0000000000004000ULL;
    lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%08x-%04x-%04x-%04x-%012llx",
                  static_cast<unsigned>(hi >> 32), static_cast<unsigned>((hi >> 16) & 0xffff),
                  static_cast<unsigned>(hi & 0xffff), static_cast<unsigned>(lo >> 48),
                  static_cast<unsigned long long>(lo & 0xffffffffffffULL));
    return buffer;
}

std::string PubsubService::new_item_id(std::string_view node) {
    std::string id = new_id();
    while (store_.item_exists(node, id)) {
        id = new_id();
    }
    return id;
}

Element PubsubService::add_item_element(Element parent, std::string_view ns, const Item& item,
                                        bool with_payload) {
    Element element = parent.add_child("item", ns).set_attr("id", item.id);
    if (settings_.expose_publisher && !item.publisher.empty()) {
        element.set_attr("publisher", item.publisher);
    }
    if (with_payload && !item.payload.empty()) {
        Stanza payload = Stanza::parse(item.payload);
        if (payload) {
            element.append_copy(payload.root());
        }
    }
    return element;
}

} // namespace cadenza::pubsub_module
