// mod_pubsub_eventsource: pubsub nodes as Server-Sent Event streams, as Prosody's community
// module of the same name, plus resume, access control, typed events and bounded memory.
// See docs/pubsub_eventsource.md.
#include "pubsub_frames.hpp"

#include <cadenza/cadenza.hpp>
#include <cadenza/eventsource.hpp>
#include <cadenza/services/pubsub.hpp>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

namespace {

using namespace cadenza;
namespace es = cadenza::eventsource;

struct State {
    pubsub::Service* pubsub = nullptr;
    Accounts* accounts = nullptr;
    es::Settings settings;
    es::Cors cors{{}};
    es::AddressLimiter limiter{0};
    es::Hub plain; // single-node streams: data is the payload
    es::Hub json;  // ?format=json and multi-node streams: data is {"node","id","payload"}
};

// The replay for a reconnecting client: items after its Last-Event-ID, in publication order.
std::vector<std::pair<std::string, pubsub::Item>>
replay(State& s, const std::vector<std::string>& nodes, const std::string& last_id) {
    std::vector<std::pair<std::string, pubsub::Item>> out;
    if (last_id.empty()) {
        return out;
    }
    if (nodes.size() == 1) {
        for (auto& item : s.pubsub->items_after(nodes[0], last_id, s.settings.replay_limit)) {
            out.emplace_back(nodes[0], std::move(item));
        }
        return out;
    }
    // Several nodes: the id names an item of one of them; its position in the service's
    // publication order tells where every node resumes.
    std::int64_t after = 0;
    for (const auto& node : nodes) {
        if (auto seq = s.pubsub->item_sequence(node, last_id)) {
            after = std::max(after, *seq);
        }
    }
    for (const auto& node : nodes) {
        for (auto& item : s.pubsub->items_after_sequence(node, after, s.settings.replay_limit)) {
            out.emplace_back(node, std::move(item));
        }
    }
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.second.sequence < b.second.sequence; });
    if (out.size() > s.settings.replay_limit) {
        out.erase(out.begin(), out.end() - static_cast<std::ptrdiff_t>(s.settings.replay_limit));
    }
    return out;
}

void open_stream(State& s, http::Request& req) {
    std::vector<std::string> nodes;
    if (!req.wildcard().empty()) {
        nodes.emplace_back(req.wildcard());
    } else {
        nodes = req.query_all("node");
    }
    std::vector<http::Header> cors = s.cors.headers(req);
    if (nodes.empty()) {
        es::refuse(req, 400, "name a node: /eventsource/<node> or ?node=<node>", cors);
        return;
    }
    std::sort(nodes.begin(), nodes.end());
    nodes.erase(std::unique(nodes.begin(), nodes.end()), nodes.end());

    bool open_only = true;
    for (const auto& node : nodes) {
        auto config = s.pubsub->node_config(node);
        if (!config) {
            es::refuse(req, 404, "no such node: " + node, cors);
            return;
        }
        open_only = open_only && config->access_model == pubsub::AccessModel::kOpen;
    }
    es::Auth auth = es::authenticate(req, *s.accounts, s.settings.allow_insecure_auth);
    switch (auth.status) {
    case es::Auth::Status::kInsecure:
        es::refuse(req, 403, "credentials are only accepted over HTTPS", cors);
        return;
    case es::Auth::Status::kBad:
        es::refuse(req, 401, "wrong credentials", cors);
        return;
    case es::Auth::Status::kAnonymous:
        if (!open_only) {
            es::refuse(req, 401, "this node needs authentication", cors);
            return;
        }
        break;
    case es::Auth::Status::kUser:
        break;
    }
    for (const auto& node : nodes) {
        if (!s.pubsub->may_read(node, auth.jid)) {
            es::refuse(req, 403, "not allowed to read node " + node, cors);
            return;
        }
    }
    if (!s.limiter.allows(req.remote_address())) {
        es::refuse(req, 429, "too many streams from this address", cors);
        return;
    }

    bool as_json = nodes.size() > 1 || req.query("format").value_or("") == "json";
    std::string last_id = es::last_event_id(req);
    sse::EventStreamPtr stream = req.start_event_stream(s.settings.stream_options(), cors);
    s.limiter.track(stream);
    // Replay first, then live: both happen in this callback, so nothing can slip between.
    for (const auto& [node, item] : replay(s, nodes, last_id)) {
        stream->send(as_json ? pubsub_frames::json_item(node, item.id, item.payload)
                             : pubsub_frames::plain_item(item.id, item.payload));
    }
    es::Hub& hub = as_json ? s.json : s.plain;
    for (const auto& node : nodes) {
        hub.subscribe(node, stream);
    }
}

void load(Module& module) {
    auto state = std::make_shared<State>();
    state->pubsub = &module.depends<pubsub::Service>("pubsub");
    state->accounts = &module.accounts();
    state->settings = es::Settings::read(module.options());
    state->cors = es::Cors(state->settings.cors_origins);
    state->limiter = es::AddressLimiter(state->settings.max_streams_per_ip);

    module.observe<pubsub::ItemPublished>(pubsub::kItemPublished, [state](pubsub::ItemPublished& e) {
        // Framed once per format, only when someone listens in that format.
        if (state->plain.has_streams(e.node)) {
            state->plain.broadcast(e.node, pubsub_frames::plain_item(e.item.id, e.item.payload));
        }
        if (state->json.has_streams(e.node)) {
            state->json.broadcast(e.node,
                                  pubsub_frames::json_item(e.node, e.item.id, e.item.payload));
        }
    });
    module.observe<pubsub::ItemRetracted>(pubsub::kItemRetracted, [state](pubsub::ItemRetracted& e) {
        state->plain.broadcast(e.node, pubsub_frames::retract(e.node, e.item_id, false));
        state->json.broadcast(e.node, pubsub_frames::retract(e.node, e.item_id, true));
    });
    module.observe<pubsub::NodeEvent>(pubsub::kNodePurged, [state](pubsub::NodeEvent& e) {
        state->plain.broadcast(e.node, pubsub_frames::node_event("purge", e.node, false));
        state->json.broadcast(e.node, pubsub_frames::node_event("purge", e.node, true));
    });
    module.observe<pubsub::NodeEvent>(pubsub::kNodeDeleted, [state](pubsub::NodeEvent& e) {
        state->plain.close_topic(e.node, pubsub_frames::node_event("delete", e.node, false));
        state->json.close_topic(e.node, pubsub_frames::node_event("delete", e.node, true));
    });

    module.provides_http(
        {"eventsource",
         {
             {"GET /*", [state](http::Request& req) { open_stream(*state, req); }},
             {"OPTIONS /*", [state](http::Request& req) { state->cors.preflight(req); }},
         }});
    module.log().info("streaming nodes at ", module.http_path("eventsource"), "/<node>");
}

const char* const kDependencies[] = {"pubsub", nullptr};

} // namespace

CADENZA_MODULE("pubsub_eventsource", load, nullptr, kDependencies,
               cadenza::eventsource::kOptionNames)
