// Entering and leaving rooms, nickname changes and presence broadcast (XEP-0045 §7.1-§7.3,
// §7.6, §7.14).
#include "muc_host.hpp"

#include <ctime>

namespace cadenza::muc {
namespace {

// The occupant's presence as the room keeps it: the client's payload (show, status, caps...)
// without addresses and without MUC elements, which the room writes itself.
std::string kept_presence(const Stanza& presence) {
    Stanza copy = presence.clone();
    for (std::string_view attr : {"to", "from", "type", "id"}) {
        copy.remove_attr(attr);
    }
    for (Element x : copy.children("x", kMucNs)) {
        copy.root().remove_child(x);
    }
    for (Element x : copy.children("x", kMucUserNs)) {
        copy.root().remove_child(x);
    }
    return copy.serialize();
}

void add_codes(Element x, const std::vector<int>& codes) {
    for (int code : codes) {
        x.add_child("status", kMucUserNs).set_attr("code", std::to_string(code));
    }
}

std::vector<int> with_self(std::vector<int> codes, bool self) {
    if (self) {
        codes.push_back(status::kSelf);
    }
    return codes;
}

} // namespace

HookResult MucHost::on_presence(StanzaEvent& event) {
    const Stanza& stanza = event.stanza;
    std::string_view type = stanza.attr("type");
    auto from = Jid::parse(stanza.attr("from"));
    if (!from || event.to.node().empty()) {
        return HookResult::kHandled;
    }
    if (event.to.is_bare()) {
        if (type.empty()) {
            reply_error(event, "modify", stanza_error::kJidMalformed,
                        "Enter a room with a nickname: room@service/nick");
        }
        return HookResult::kHandled;
    }
    Room* room = find_room(event.to.node());
    Occupant* occupant = room != nullptr ? room->find_real(*from) : nullptr;
    if (type == "unavailable" || type == "error") {
        if (occupant != nullptr) {
            std::string nick = occupant->nick;
            if (type == "error") {
                remove_ghost(*room, nick);
            } else {
                leave(*room, nick, &stanza);
            }
        }
        return HookResult::kHandled;
    }
    if (!type.empty()) {
        return HookResult::kHandled; // rooms take no subscriptions or probes
    }
    const std::string& nick = event.to.resource();
    if (occupant != nullptr) {
        if (occupant->nick == nick) {
            update_presence(*room, *occupant, stanza);
        } else {
            change_nick(event, *room, *occupant, nick);
        }
        return HookResult::kHandled;
    }
    join(event, *from, event.to.node(), nick);
    return HookResult::kHandled;
}

bool MucHost::may_create(const Jid& from) const {
    bool admin = options_.admins.contains(from.bare());
    switch (options_.creation) {
    case RoomCreation::kAnyone:
        return true;
    case RoomCreation::kAdmins:
        return admin;
    case RoomCreation::kLocalUsers:
        return admin || module_.accounts().is_local_domain(from.domain());
    }
    return false;
}

void MucHost::join(StanzaEvent& event, const Jid& from, const std::string& room_name,
                   const std::string& nick) {
    Element muc = event.stanza.child("x", kMucNs);
    Room* room = find_room(room_name);
    bool created = false;
    if (room == nullptr) {
        if (!may_create(from)) {
            reply_error(event, "cancel", stanza_error::kNotAllowed, "Room creation is restricted");
            return;
        }
        room = &create_room(room_name, from);
        created = true;
    } else {
        // Checked in the order XEP-0045 §7.2 lists them.
        Affiliation a = effective_affiliation(*room, from);
        const RoomConfig& config = room->config();
        if (room->locked() && a != Affiliation::kOwner) {
            reply_error(event, "cancel", stanza_error::kItemNotFound,
                        "This room is locked until its owner configures it");
            return;
        }
        if (a == Affiliation::kOutcast) {
            reply_error(event, "auth", stanza_error::kForbidden, "You are banned from this room");
            return;
        }
        if (config.members_only && affiliation_rank(a) < affiliation_rank(Affiliation::kMember)) {
            reply_error(event, "auth", stanza_error::kRegistrationRequired,
                        "Membership is required to enter this room");
            return;
        }
        // Owners and admins can read the secret in the configuration anyway.
        if (config.password_protected &&
            affiliation_rank(a) < affiliation_rank(Affiliation::kAdmin) &&
            muc.child_text("password", kMucNs) != config.password) {
            reply_error(event, "auth", stanza_error::kNotAuthorized,
                        "A correct password is required to enter this room");
            return;
        }
        if (room->find_nick(nick) != nullptr) {
            reply_error(event, "cancel", stanza_error::kConflict,
                        "That nickname is already in use in this room");
            return;
        }
    }

    Occupant newcomer{nick, from, room->default_role(effective_affiliation(*room, from)),
                      kept_presence(event.stanza)};
    // XEP-0045 §7.2.3: the others' presence first, then the newcomer's, then history and subject.
    for (const Occupant& other : room->occupants()) {
        send(occupant_presence(*room, other, newcomer, {}));
    }
    room->occupants().push_back(std::move(newcomer));
    const Occupant& self = room->occupants().back();
    for (const Occupant& other : room->occupants()) {
        if (&other != &self) {
            send(occupant_presence(*room, self, other, {}));
        }
    }
    std::vector<int> codes;
    if (room->config().non_anonymous) {
        codes.push_back(status::kNonAnonymous);
    }
    if (created) {
        codes.push_back(status::kCreated);
    }
    codes.push_back(status::kSelf);
    send(occupant_presence(*room, self, self, codes));

    HistoryRequest request = parse_history_request(muc.child("history", kMucNs));
    std::string to = from.full();
    std::string room_address = room_jid(*room);
    for (const HistoryMessage* message :
         select_history(room->history(), request, static_cast<std::int64_t>(std::time(nullptr)))) {
        Stanza stanza = history_stanza(*message, to, room_address);
        if (stanza) {
            send(std::move(stanza));
        } else {
            module_.log().warn("room ", room->name(), ": stored message ", message->stanza_id,
                               " does not parse; not sent as history");
        }
    }
    send_subject(*room, from);

    module_.log().debug(from.str(), " entered ", room->name(), " as ", nick);
    OccupantEvent joined{room->name(), nick, from};
    module_.notify(kOccupantJoined, joined);
}

void MucHost::update_presence(Room& room, Occupant& occupant, const Stanza& presence) {
    occupant.presence = kept_presence(presence);
    broadcast_presence(room, occupant);
}

void MucHost::change_nick(StanzaEvent& event, Room& room, Occupant& occupant,
                          const std::string& nick) {
    if (room.find_nick(nick) != nullptr) {
        reply_error(event, "cancel", stanza_error::kConflict,
                    "That nickname is already in use in this room");
        return;
    }
    // XEP-0045 §7.6: unavailable for the old nick with 303 and the new one, then available.
    for (const Occupant& viewer : room.occupants()) {
        Stanza gone = occupant_presence(room, occupant, viewer,
                                        with_self({status::kNickChanged}, &viewer == &occupant));
        gone.set_attr("type", "unavailable");
        for (Element child : gone.children()) {
            if (child.ns() != kMucUserNs) {
                gone.root().remove_child(child);
            }
        }
        gone.child("x", kMucUserNs).child("item", kMucUserNs).set_attr("nick", nick);
        send(std::move(gone));
    }
    std::string old_nick = occupant.nick;
    occupant.nick = nick;
    occupant.presence = kept_presence(event.stanza);
    broadcast_presence(room, occupant);
    // Observers see a nick change as the old nick leaving and the new one entering.
    OccupantEvent left{room.name(), old_nick, occupant.real_jid};
    module_.notify(kOccupantLeft, left);
    OccupantEvent joined{room.name(), occupant.nick, occupant.real_jid};
    module_.notify(kOccupantJoined, joined);
}

void MucHost::leave(Room& room, const std::string& nick, const Stanza* presence) {
    Removal removal;
    if (presence != nullptr) {
        removal.status = presence->child_text("status", presence->ns());
    }
    remove_occupant(room, nick, removal);
    dispose_if_empty(room);
}

void MucHost::remove_ghost(Room& room, const std::string& nick) {
    module_.log().debug("room ", room.name(), ": ", nick, " is unreachable; removed");
    remove_occupant(room, nick, Removal{{status::kRemovedOnError}, {}, {}, {}});
    dispose_if_empty(room);
}

void MucHost::remove_occupant(Room& room, const std::string& nick_ref, const Removal& removal) {
    std::string nick = nick_ref; // the reference may point into the occupant removed below
    Occupant* found = room.find_nick(nick);
    if (found == nullptr) {
        return;
    }
    Occupant leaving = *found;
    leaving.role = Role::kNone;
    leaving.presence.clear();
    for (const Occupant& viewer : room.occupants()) {
        bool self = viewer.real_jid == leaving.real_jid;
        Stanza gone = occupant_presence(room, leaving, self ? leaving : viewer,
                                        with_self(removal.codes, self));
        gone.set_attr("type", "unavailable");
        if (!removal.status.empty()) {
            gone.add_child("status", xmlns::kClient).set_text(removal.status);
        }
        Element item = gone.child("x", kMucUserNs).child("item", kMucUserNs);
        if (!removal.actor_nick.empty()) {
            item.add_child("actor", kMucUserNs).set_attr("nick", removal.actor_nick);
        }
        if (!removal.reason.empty()) {
            item.add_child("reason", kMucUserNs).set_text(removal.reason);
        }
        send(std::move(gone));
    }
    room.remove_nick(nick);
    module_.log().debug(leaving.real_jid.str(), " left ", room.name());
    OccupantEvent left{room.name(), nick, leaving.real_jid};
    module_.notify(kOccupantLeft, left);
}

Stanza MucHost::occupant_presence(const Room& room, const Occupant& subject, const Occupant& viewer,
                                  const std::vector<int>& codes) const {
    Stanza presence = subject.presence.empty() ? Stanza() : Stanza::parse(subject.presence);
    if (!presence) {
        presence = Stanza::make("presence", xmlns::kClient);
    }
    presence.set_attr("from", occupant_jid(room, subject.nick));
    presence.set_attr("to", viewer.real_jid.full());
    Element x = presence.add_child("x", kMucUserNs);
    Element item = x.add_child("item", kMucUserNs);
    item.set_attr("affiliation", affiliation_name(effective_affiliation(room, subject.real_jid)));
    item.set_attr("role", role_name(subject.role));
    if (room.shows_jids_to(viewer) || viewer.real_jid == subject.real_jid) {
        item.set_attr("jid", subject.real_jid.full());
    }
    add_codes(x, codes);
    return presence;
}

void MucHost::broadcast_presence(Room& room, const Occupant& subject,
                                 const std::vector<int>& codes) {
    for (const Occupant& viewer : room.occupants()) {
        send(occupant_presence(room, subject, viewer, with_self(codes, &viewer == &subject)));
    }
}

} // namespace cadenza::muc
