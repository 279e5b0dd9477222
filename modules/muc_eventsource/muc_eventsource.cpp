// mod_muc_eventsource: a chat room's messages as a Server-Sent Event stream, as Prosody's
// community module of the same name, plus access control, resume, typed events and bounded
// memory. See docs/muc_eventsource.md.
#include <cadenza/cadenza.hpp>
#include <cadenza/eventsource.hpp>
#include <cadenza/services/muc.hpp>

#include <memory>
#include <set>
#include <vector>
#include <string>

namespace {

using namespace cadenza;
namespace es = cadenza::eventsource;
using es::json_string;

struct State {
    muc::Service* muc = nullptr;
    Accounts* accounts = nullptr;
    std::string host;
    es::Settings settings;
    es::Cors cors{{}};
    es::AddressLimiter limiter{0};
    es::Hub hub;
    bool expose_all = false;      // muc_eventsource_expose = "all"
    std::set<std::string> events; // muc_eventsource_events
};

// {"nick": ..., "body": ...}: the shape Prosody's module sends.
sse::FramePtr message_frame(std::string_view stanza_id, std::string_view nick,
                            std::string_view body) {
    std::string data = "{\"nick\":" + json_string(nick) + ",\"body\":" + json_string(body) + "}";
    return sse::make_frame({.id = stanza_id, .data = data});
}

sse::FramePtr typed_frame(std::string_view type, std::string data) {
    return sse::make_frame({.type = type, .data = data});
}

// Who may read the room's stream (see docs/muc_eventsource.md, "Access").
enum class Access { kAllowed, kNeedAuth, kForbidden };

Access decide(State& s, std::string_view room, const muc::RoomConfig& config,
              const std::optional<Jid>& user, const std::optional<std::string>& password) {
    if (s.expose_all) {
        return Access::kAllowed;
    }
    bool anonymous_ok = config.is_public && !config.members_only && !config.password_protected;
    if (user) {
        muc::Affiliation a = s.muc->affiliation(room, *user);
        if (a == muc::Affiliation::kOutcast) {
            return Access::kForbidden;
        }
        if (config.members_only && a == muc::Affiliation::kNone) {
            return Access::kForbidden;
        }
        // A password-protected room still wants its password from non-members.
        if (config.password_protected && a == muc::Affiliation::kNone &&
            password.value_or("") != config.password) {
            return Access::kForbidden;
        }
        return Access::kAllowed;
    }
    if (anonymous_ok) {
        return Access::kAllowed;
    }
    if (config.password_protected && !config.members_only && config.is_public && password &&
        *password == config.password) {
        return Access::kAllowed;
    }
    return Access::kNeedAuth;
}

void open_stream(State& s, http::Request& req) {
    std::string room(req.wildcard());
    std::vector<http::Header> cors = s.cors.headers(req);
    auto config = room.empty() ? std::nullopt : s.muc->room_config(room);
    if (!config) {
        es::refuse(req, 404, "no such room: " + room, cors);
        return;
    }
    es::Auth auth = es::authenticate(req, *s.accounts, s.settings.allow_insecure_auth);
    if (auth.status == es::Auth::Status::kInsecure) {
        es::refuse(req, 403, "credentials are only accepted over HTTPS", cors);
        return;
    }
    if (auth.status == es::Auth::Status::kBad) {
        es::refuse(req, 401, "wrong credentials", cors);
        return;
    }
    std::optional<std::string> password = req.query("password");
    if (auto header = req.header("X-Room-Password")) {
        password = std::string(*header);
    }
    switch (decide(s, room, *config, auth.jid, password)) {
    case Access::kNeedAuth:
        es::refuse(req, 401, "this room needs authentication", cors);
        return;
    case Access::kForbidden:
        es::refuse(req, 403, "not allowed to read this room", cors);
        return;
    case Access::kAllowed:
        break;
    }
    if (!s.limiter.allows(req.remote_address())) {
        es::refuse(req, 429, "too many streams from this address", cors);
        return;
    }
    std::string last_id = es::last_event_id(req);
    sse::EventStreamPtr stream = req.start_event_stream(s.settings.stream_options(), cors);
    s.limiter.track(stream);
    if (!last_id.empty()) {
        for (const auto& m : s.muc->history_after(room, last_id, s.settings.replay_limit)) {
            if (!m.body.empty()) {
                stream->send(message_frame(m.stanza_id, m.nick, m.body));
            }
        }
    }
    s.hub.subscribe(room, stream);
}

void load(Module& module) {
    auto state = std::make_shared<State>();
    state->muc = &module.depends<muc::Service>("muc");
    state->accounts = &module.accounts();
    state->host = module.host();
    state->settings = es::Settings::read(module.options());
    state->cors = es::Cors(state->settings.cors_origins);
    state->limiter = es::AddressLimiter(state->settings.max_streams_per_ip);
    state->expose_all = module.options().get_string("muc_eventsource_expose", "public") == "all";
    state->events = module.options().has("muc_eventsource_events")
                        ? module.options().get_set("muc_eventsource_events")
                        : std::set<std::string>{"message"};

    module.observe<muc::BroadcastMessage>(muc::kBroadcastMessage, [state](muc::BroadcastMessage& e) {
        if (state->events.count("message") != 0 && !e.body.empty() &&
            state->hub.has_streams(e.room)) {
            state->hub.broadcast(e.room, message_frame(e.stanza_id, e.nick, e.body));
        }
    });
    module.observe<muc::SubjectChanged>(muc::kSubjectChanged, [state](muc::SubjectChanged& e) {
        if (state->events.count("subject") != 0 && state->hub.has_streams(e.room)) {
            state->hub.broadcast(e.room, typed_frame("subject", "{\"nick\":" + json_string(e.nick) +
                                                                  ",\"subject\":" +
                                                                  json_string(e.subject) + "}"));
        }
    });
    // Joins and leaves carry the nick only: never the real JID.
    auto occupant = [state](std::string_view type) {
        return [state, type](muc::OccupantEvent& e) {
            if (state->events.count(std::string(type)) != 0 && state->hub.has_streams(e.room)) {
                state->hub.broadcast(e.room,
                                     typed_frame(type, "{\"nick\":" + json_string(e.nick) + "}"));
            }
        };
    };
    module.observe<muc::OccupantEvent>(muc::kOccupantJoined, occupant("join"));
    module.observe<muc::OccupantEvent>(muc::kOccupantLeft, occupant("leave"));
    module.observe<muc::RoomEvent>(muc::kRoomDestroyed, [state](muc::RoomEvent& e) {
        state->hub.close_topic(e.room, typed_frame("destroy", "{\"room\":" + json_string(e.room) + "}"));
    });

    module.provides_http(
        {"eventsource",
         {
             {"GET /*", [state](http::Request& req) { open_stream(*state, req); }},
             {"OPTIONS /*", [state](http::Request& req) { state->cors.preflight(req); }},
         }});
    module.log().info("streaming rooms at ", module.http_path("eventsource"), "/<room>");
}

const char* const kDependencies[] = {"muc", nullptr};
// The shared eventsource_* names plus this module's own.
const char* const* option_names() {
    static const std::vector<const char*> names = [] {
        std::vector<const char*> v;
        for (const char* const* n = es::kOptionNames; *n != nullptr; ++n) {
            v.push_back(*n);
        }
        v.insert(v.end(), {"muc_eventsource_expose", "muc_eventsource_events", nullptr});
        return v;
    }();
    return names.data();
}

} // namespace

CADENZA_MODULE("muc_eventsource", load, nullptr, kDependencies, option_names())
