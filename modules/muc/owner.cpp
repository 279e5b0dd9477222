// muc#owner: the room configuration form, instant rooms and unlocking (XEP-0045 §10.1-§10.2),
// and destroying a room (§10.9).
#include "muc_host.hpp"

#include "room_config.hpp"

namespace cadenza::muc {

HookResult MucHost::on_owner(StanzaEvent& event) {
    Room* room = room_or_error(event);
    if (room == nullptr) {
        return HookResult::kHandled;
    }
    auto from = Jid::parse(event.stanza.attr("from"));
    if (!from || effective_affiliation(*room, *from) != Affiliation::kOwner) {
        reply_error(event, "auth", stanza_error::kForbidden,
                    "Only the room's owners may configure or destroy it");
        return HookResult::kHandled;
    }
    Element query = event.stanza.child("query", kMucOwnerNs);
    if (event.stanza.attr("type") == "get") {
        Stanza reply = iq_result(event.stanza);
        add_config_form(reply.add_child("query", kMucOwnerNs), room->config(),
                        options_.max_history_messages);
        event.origin.send(std::move(reply));
        return HookResult::kHandled;
    }
    if (Element destroy = query.child("destroy", kMucOwnerNs)) {
        destroy_room(*room, destroy.attr("jid"), destroy.child_text("reason", kMucOwnerNs));
        event.origin.send(iq_result(event.stanza));
        return HookResult::kHandled;
    }
    Element form = query.child("x", kDataNs);
    std::string_view type = form.attr("type");
    if (type == "submit") {
        submit_config(event, *room, form);
        dispose_if_empty(*room); // an empty room made temporary goes at once
    } else if (type == "cancel") {
        // §10.1.3: cancelling the initial configuration of a locked room destroys it.
        if (room->locked()) {
            destroy_room(*room, {}, {});
        }
        event.origin.send(iq_result(event.stanza));
    } else {
        reply_error(event, "modify", stanza_error::kBadRequest,
                    "Send a data form of type submit or cancel, or <destroy/>");
    }
    return HookResult::kHandled;
}

void MucHost::submit_config(StanzaEvent& event, Room& room, Element form) {
    RoomConfig before = room.config();
    RoomConfig next = before;
    std::string error = apply_config_form(form, next, options_.max_history_messages);
    if (!error.empty()) {
        reply_error(event, "modify", stanza_error::kBadRequest, error);
        return;
    }
    bool was_locked = room.locked();
    room.config() = next;
    room.set_locked(false);
    auto keep =
        static_cast<std::size_t>(std::min(next.history_length, options_.max_history_messages));
    while (room.history().size() > keep) {
        room.history().pop_front();
    }
    // Answered once the new configuration is durable.
    auto request = std::make_shared<Stanza>(event.stanza.clone());
    std::weak_ptr<MucHost> weak = weak_from_this();
    auto answer = [weak, request, name = room.name(), instance = room.instance(), before,
                   was_locked](bool committed) {
        auto self = weak.lock();
        if (!self) {
            return;
        }
        if (!committed) {
            // Not stored: the room keeps its old configuration (notices already sent stand).
            Room* r = self->find_room(name);
            if (r != nullptr && r->instance() == instance) {
                r->config() = before;
                r->set_locked(was_locked);
            }
        }
        self->send(committed ? iq_result(*request)
                             : make_error_reply(*request, "wait",
                                                stanza_error::kInternalServerError));
    };
    if (next.persistent || before.persistent) {
        persist(room, answer);
    } else {
        answer(true);
    }

    if (!was_locked) {
        std::vector<int> codes{status::kConfigChanged};
        if (next.non_anonymous != before.non_anonymous) {
            codes.push_back(next.non_anonymous ? status::kNowNonAnonymous
                                               : status::kNowSemiAnonymous);
        }
        room_notice(room, codes);
    }
    if (next.members_only && !before.members_only) {
        // §9.7: occupants who are not members leave when the room becomes members-only.
        std::vector<std::string> outsiders;
        for (const Occupant& occupant : room.occupants()) {
            if (affiliation_rank(effective_affiliation(room, occupant.real_jid)) <
                affiliation_rank(Affiliation::kMember)) {
                outsiders.push_back(occupant.nick);
            }
        }
        for (const std::string& nick : outsiders) {
            remove_occupant(room, nick, Removal{{status::kMembersOnly}, {}, {}, {}});
        }
    }
    module_.log().debug("room ", room.name(), " configured");
}

void MucHost::destroy_room(Room& room, std::string_view alternate, std::string_view reason) {
    std::vector<Occupant> occupants = std::move(room.occupants());
    room.occupants().clear();
    for (const Occupant& occupant : occupants) {
        Stanza presence = Stanza::make("presence", xmlns::kClient);
        presence.set_attr("type", "unavailable");
        presence.set_attr("from", occupant_jid(room, occupant.nick));
        presence.set_attr("to", occupant.real_jid.full());
        Element x = presence.add_child("x", kMucUserNs);
        Element item = x.add_child("item", kMucUserNs);
        item.set_attr("affiliation", "none");
        item.set_attr("role", "none");
        Element destroy = x.add_child("destroy", kMucUserNs);
        if (!alternate.empty()) {
            destroy.set_attr("jid", alternate);
        }
        if (!reason.empty()) {
            destroy.add_child("reason", kMucUserNs).set_text(reason);
        }
        send(std::move(presence));
    }
    for (const Occupant& occupant : occupants) {
        OccupantEvent left{room.name(), occupant.nick, occupant.real_jid};
        module_.notify(kOccupantLeft, left);
    }
    module_.log().info("room ", room.name(), " destroyed");
    remove_room(room.name());
}

} // namespace cadenza::muc
