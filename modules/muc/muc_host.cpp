#include "muc_host.hpp"

#include <cstdio>
#include <random>

namespace cadenza::muc {

MucHost::MucHost(Module& module, MucOptions options)
    : module_(module), options_(std::move(options)), store_(module.database(), module.host()) {
    std::random_device device;
    id_seed_ = (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

void MucHost::load_rooms() {
    store_.migrate();
    for (StoredRoom& stored : store_.load_rooms()) {
        auto room = std::make_unique<Room>(stored.room, stored.config, next_instance_++);
        room->set_subject(stored.subject, stored.subject_nick);
        for (const auto& [jid, a] : stored.affiliations) {
            room->set_affiliation(jid, a);
        }
        auto keep = static_cast<std::size_t>(
            std::min(room->config().history_length, options_.max_history_messages));
        for (HistoryMessage& m : store_.recent_history(stored.room, keep)) {
            room->history().push_back(std::move(m));
        }
        room->last_broadcast_sequence = store_.last_sequence(stored.room);
        rooms_.emplace(stored.room, std::move(room));
    }
    module_.log().info("loaded ", rooms_.size(), " persistent rooms");
}

bool MucHost::room_exists(std::string_view room) {
    Room* r = find_room(room);
    return r != nullptr && !r->locked();
}

std::optional<RoomConfig> MucHost::room_config(std::string_view room) {
    Room* r = find_room(room);
    if (r == nullptr || r->locked()) {
        return std::nullopt;
    }
    return r->config();
}

Affiliation MucHost::affiliation(std::string_view room, const Jid& jid) {
    Room* r = find_room(room);
    return r == nullptr ? Affiliation::kNone : effective_affiliation(*r, jid);
}

std::vector<HistoryMessage>
MucHost::history_after(std::string_view room, std::string_view after_stanza_id, std::size_t limit) {
    Room* r = find_room(room);
    if (r == nullptr) {
        return {};
    }
    // Rows written in this loop turn are not committed nor broadcast yet: leave them to the
    // live event, so a resuming stream neither loses nor repeats them.
    return store_.history_after(room, after_stanza_id, r->last_broadcast_sequence, limit);
}

Room& MucHost::create_room(const std::string& name, const Jid& owner) {
    auto room = std::make_unique<Room>(name, options_.defaults, next_instance_++);
    room->set_affiliation(owner.bare(), Affiliation::kOwner);
    room->set_locked(options_.room_locking);
    Room& ref = *room;
    rooms_.emplace(name, std::move(room));
    if (ref.config().persistent) {
        persist(ref);
    }
    if (ref.locked() && options_.lock_timeout.count() > 0) {
        // XEP-0045 §10.1.3: a room its owner never configures does not linger.
        std::weak_ptr<MucHost> weak = weak_from_this();
        std::uint64_t instance = ref.instance();
        module_.add_timer(options_.lock_timeout,
                          [weak, name, instance]() -> std::optional<std::chrono::milliseconds> {
                              auto self = weak.lock();
                              if (!self) {
                                  return std::nullopt;
                              }
                              Room* r = self->find_room(name);
                              if (r != nullptr && r->instance() == instance && r->locked()) {
                                  self->module_.log().info("room ", name,
                                                           " was never configured; destroying it");
                                  self->destroy_room(*r, {}, "The room was never configured");
                              }
                              return std::nullopt;
                          });
    }
    module_.log().debug("created room ", name, " for ", owner.str());
    RoomEvent created{name};
    module_.notify(kRoomCreated, created);
    return ref;
}

void MucHost::dispose_if_empty(Room& room) {
    if (room.occupants().empty() && !room.config().persistent) {
        remove_room(room.name());
    }
}

void MucHost::remove_room(const std::string& name) {
    auto it = rooms_.find(name);
    if (it == rooms_.end()) {
        return;
    }
    std::string room_name = it->first; // `name` may point into the room
    store_.delete_room(room_name);
    rooms_.erase(it);
    module_.log().debug("room ", room_name, " is gone");
    RoomEvent destroyed{room_name};
    module_.notify(kRoomDestroyed, destroyed);
}

void MucHost::persist(Room& room, RoomStore::Done done) {
    if (!room.config().persistent) {
        store_.forget_room(room.name());
        if (done) {
            done(true);
        }
        return;
    }
    StoredRoom stored{room.name(), room.config(), room.subject(), room.subject_nick(),
                      room.affiliations()};
    store_.save_room(stored, std::move(done));
}

Room* MucHost::find_room(std::string_view name) {
    auto it = rooms_.find(name);
    return it == rooms_.end() ? nullptr : it->second.get();
}

Room* MucHost::room_or_error(StanzaEvent& event) {
    Room* room = find_room(event.to.node());
    if (room == nullptr) {
        reply_error(event, "cancel", stanza_error::kItemNotFound, "No such room");
    }
    return room;
}

std::string MucHost::room_jid(const Room& room) const {
    return room.name() + "@" + module_.host();
}

std::string MucHost::occupant_jid(const Room& room, std::string_view nick) const {
    return room_jid(room) + "/" + std::string(nick);
}

std::string MucHost::new_stanza_id() {
    // Unique per server run and across restarts: a random 64-bit seed per load mixed with a
    // counter through splitmix64, plus the counter itself.
    std::uint64_t n = ++id_counter_;
    std::uint64_t z = id_seed_ + n * 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%016llx-%llx", static_cast<unsigned long long>(z),
                  static_cast<unsigned long long>(n));
    return buffer;
}

Affiliation MucHost::effective_affiliation(const Room& room, const Jid& jid) const {
    // Server admins own every room, as in Prosody.
    if (options_.admins.contains(jid.bare())) {
        return Affiliation::kOwner;
    }
    return room.affiliation(jid);
}

void MucHost::reply_error(StanzaEvent& event, std::string_view type, std::string_view condition,
                          std::string_view text) {
    if (event.stanza.attr("type") == "error" || event.stanza.attr("type") == "result") {
        return; // never answer an error or a result (RFC 6120 §8.3.1)
    }
    event.origin.send(make_error_reply(event.stanza, type, condition, text));
}

Stanza MucHost::iq_result(const Stanza& request) {
    Stanza reply = Stanza::make("iq", xmlns::kClient);
    reply.set_attr("type", "result");
    reply.set_attr("id", request.attr("id"));
    if (request.has_attr("from")) {
        reply.set_attr("to", request.attr("from"));
    }
    if (request.has_attr("to")) {
        reply.set_attr("from", request.attr("to"));
    }
    return reply;
}

} // namespace cadenza::muc
