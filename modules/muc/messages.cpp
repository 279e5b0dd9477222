// Messages in rooms: groupchat to everyone (XEP-0045 §7.4) with XEP-0359 stanza ids, subject
// changes (§8.1) and private messages between occupants (§7.5).
#include "muc_host.hpp"

#include <ctime>

namespace cadenza::muc {

namespace {

// The stanza error condition of an error stanza ("" when none).
std::string_view error_condition(const Stanza& stanza) {
    for (Element child : stanza.child("error", stanza.ns()).children()) {
        if (child.ns() == xmlns::kStanzas && child.name() != "text") {
            return child.name();
        }
    }
    return {};
}

// Conditions saying that the occupant's session is gone, not that one message was refused
// (the list Prosody kicks on).
bool means_gone(std::string_view condition) {
    for (std::string_view gone :
         {"gone", "item-not-found", "recipient-unavailable", "redirect", "remote-server-not-found",
          "remote-server-timeout", "service-unavailable"}) {
        if (condition == gone) {
            return true;
        }
    }
    return false;
}

} // namespace

HookResult MucHost::on_message(StanzaEvent& event) {
    std::string_view type = event.stanza.attr("type");
    auto from = Jid::parse(event.stanza.attr("from"));
    if (!from || event.to.node().empty()) {
        return HookResult::kHandled;
    }
    if (type == "error") {
        // A bounce of what the room sent: never answered, but it may reveal a ghost.
        Room* room = find_room(event.to.node());
        Occupant* occupant = room != nullptr ? room->find_real(*from) : nullptr;
        if (occupant != nullptr && means_gone(error_condition(event.stanza))) {
            std::string nick = occupant->nick;
            remove_ghost(*room, nick);
        }
        return HookResult::kHandled;
    }
    Room* room = room_or_error(event);
    if (room == nullptr) {
        return HookResult::kHandled;
    }
    Occupant* sender = room->find_real(*from);
    if (event.to.is_bare()) {
        if (type != "groupchat") {
            // Mediated invitations and voice requests (§7.8.2, §7.13) are not implemented.
            reply_error(event, "cancel", stanza_error::kFeatureNotImplemented);
            return HookResult::kHandled;
        }
        if (sender == nullptr) {
            reply_error(event, "modify", stanza_error::kNotAcceptable,
                        "Only occupants may send messages to the room");
            return HookResult::kHandled;
        }
        std::string_view ns = event.stanza.ns();
        if (event.stanza.child("subject", ns) && !event.stanza.child("body", ns)) {
            change_subject(event, *room, *sender);
        } else {
            groupchat(event, *room, *sender);
        }
        return HookResult::kHandled;
    }
    if (type == "groupchat") {
        reply_error(event, "modify", stanza_error::kBadRequest,
                    "Private messages cannot be of type groupchat");
        return HookResult::kHandled;
    }
    if (sender == nullptr) {
        reply_error(event, "modify", stanza_error::kNotAcceptable,
                    "Only occupants may send private messages");
        return HookResult::kHandled;
    }
    private_message(event, *room, event.to.resource());
    return HookResult::kHandled;
}

void MucHost::groupchat(StanzaEvent& event, Room& room, Occupant& sender) {
    if (sender.role == Role::kVisitor) {
        reply_error(event, "auth", stanza_error::kForbidden,
                    "Visitors may not speak in this moderated room");
        return;
    }
    Stanza message = event.stanza.clone();
    message.set_attr("from", occupant_jid(room, sender.nick));
    message.remove_attr("to");
    // XEP-0359 §5: an id claiming to be the room's is a forgery unless the room wrote it.
    std::string room_address = room_jid(room);
    for (Element id : message.children("stanza-id", kStanzaIdNs)) {
        if (id.attr("by") == room_address) {
            message.root().remove_child(id);
        }
    }
    store_and_broadcast(room, std::move(message), sender.nick,
                        make_error_reply(event.stanza, "wait", stanza_error::kInternalServerError,
                                         "The message could not be stored; try again"));
}

// The message goes out only after its history row is committed. So every stanza id a client
// or an event stream sees names a stored message (a Last-Event-ID resume always finds it),
// and nothing a client saw is lost by a crash of the process. It goes out before the commit is
// synced: MUC has no acknowledgement to hold back, and the sync (milliseconds) would delay
// every room. Messages without a body are not stored but wait for the same commit, so the
// room's messages leave in the order they came.
void MucHost::store_and_broadcast(Room& room, Stanza message, const std::string& nick,
                                  Stanza failure) {
    auto entry = std::make_shared<HistoryMessage>();
    entry->stanza_id = new_stanza_id();
    entry->nick = nick;
    std::string_view ns = message.ns();
    bool has_body = static_cast<bool>(message.child("body", ns));
    entry->body = message.child_text("body", ns);
    entry->timestamp = static_cast<std::int64_t>(std::time(nullptr));
    Element id = message.add_child("stanza-id", kStanzaIdNs);
    id.set_attr("id", entry->stanza_id);
    id.set_attr("by", room_jid(room));
    entry->stanza = message.serialize();

    auto shared = std::make_shared<Stanza>(std::move(message));
    std::weak_ptr<MucHost> weak = weak_from_this();
    auto deliver = [weak, name = room.name(), instance = room.instance(), entry, shared,
                    has_body] {
        auto self = weak.lock();
        if (!self) {
            return;
        }
        Room* r = self->find_room(name);
        if (r == nullptr || r->instance() != instance) {
            return; // destroyed meanwhile
        }
        if (has_body) {
            r->last_broadcast_sequence = entry->sequence;
            auto keep = static_cast<std::size_t>(
                std::min(r->config().history_length, self->options_.max_history_messages));
            r->history().push_back(*entry);
            while (r->history().size() > keep) {
                r->history().pop_front();
            }
            // Trimming the archive now and then keeps it bounded without a delete per message.
            if (++r->stored_since_trim >= 64) {
                r->stored_since_trim = 0;
                self->store_.trim_history(name, std::max(self->options_.archive_messages,
                                                         self->options_.max_history_messages));
            }
        }
        for (const Occupant& occupant : r->occupants()) {
            Stanza copy = shared->clone();
            copy.set_attr("to", occupant.real_jid.full());
            self->send(std::move(copy));
        }
        BroadcastMessage broadcast{name, *shared, entry->stanza_id, entry->nick, entry->body};
        self->module_.notify(kBroadcastMessage, broadcast);
    };
    // The sender learns of a message the room could not store (and so did not send).
    auto refuse = [weak, name = room.name(), nick,
                   failure = std::make_shared<Stanza>(std::move(failure))] {
        if (auto self = weak.lock()) {
            self->module_.log().error("room ", name, ": a message from ", nick,
                                      " could not be stored and was not sent");
            self->send(std::move(*failure));
        }
    };
    if (has_body) {
        store_.append_history(room.name(), entry, std::move(deliver), std::move(refuse));
    } else {
        store_.after_commit(std::move(deliver), std::move(refuse));
    }
}

void MucHost::change_subject(StanzaEvent& event, Room& room, Occupant& sender) {
    bool allowed = sender.role == Role::kModerator ||
                   (room.config().change_subject && sender.role == Role::kParticipant);
    if (!allowed) {
        reply_error(event, "auth", stanza_error::kForbidden,
                    "You are not allowed to change the subject of this room");
        return;
    }
    std::string subject = event.stanza.child_text("subject", event.stanza.ns());
    // Applied and sent after the commit: it cannot overtake a message sent just before it,
    // and a subject that could not be stored does not take effect.
    std::weak_ptr<MucHost> weak = weak_from_this();
    auto apply = [weak, name = room.name(), instance = room.instance(), subject,
                  nick = sender.nick] {
        auto self = weak.lock();
        Room* r = self ? self->find_room(name) : nullptr;
        if (r == nullptr || r->instance() != instance) {
            return;
        }
        r->set_subject(subject, nick);
        for (const Occupant& occupant : r->occupants()) {
            Stanza message = Stanza::make("message", xmlns::kClient);
            message.set_attr("type", "groupchat");
            message.set_attr("from", self->occupant_jid(*r, nick));
            message.set_attr("to", occupant.real_jid.full());
            message.add_child("subject", xmlns::kClient).set_text(subject);
            self->send(std::move(message));
        }
        SubjectChanged changed{name, nick, subject};
        self->module_.notify(kSubjectChanged, changed);
    };
    auto refuse = [weak, failure = std::make_shared<Stanza>(make_error_reply(
                             event.stanza, "wait", stanza_error::kInternalServerError,
                             "The subject could not be stored; try again"))] {
        if (auto self = weak.lock()) {
            self->send(std::move(*failure));
        }
    };
    if (room.config().persistent) {
        store_.save_subject(room.name(), subject, sender.nick, std::move(apply), std::move(refuse));
    } else {
        store_.after_commit(std::move(apply), std::move(refuse));
    }
}

void MucHost::send_subject(const Room& room, const Jid& to) {
    // XEP-0045 §7.2.15: always sent, empty when there is none; it marks the end of the join.
    Stanza message = Stanza::make("message", xmlns::kClient);
    message.set_attr("type", "groupchat");
    message.set_attr("from", room.subject_nick().empty() ? room_jid(room)
                                                         : occupant_jid(room, room.subject_nick()));
    message.set_attr("to", to.full());
    message.add_child("subject", xmlns::kClient).set_text(room.subject());
    send(std::move(message));
}

void MucHost::private_message(StanzaEvent& event, Room& room, const std::string& to_nick) {
    auto from = Jid::parse(event.stanza.attr("from"));
    Occupant* sender = from ? room.find_real(*from) : nullptr;
    Occupant* target = room.find_nick(to_nick);
    if (sender == nullptr || target == nullptr) {
        reply_error(event, "cancel", stanza_error::kItemNotFound,
                    "No occupant with that nickname is in the room");
        return;
    }
    Stanza message = event.stanza.clone();
    message.set_attr("from", occupant_jid(room, sender->nick));
    message.set_attr("to", target->real_jid.full());
    // XEP-0045 §7.5: marks the message as private within a room, for the recipient's client.
    if (!message.child("x", kMucUserNs)) {
        message.add_child("x", kMucUserNs);
    }
    send(std::move(message));
}

void MucHost::room_notice(Room& room, const std::vector<int>& codes) {
    for (const Occupant& occupant : room.occupants()) {
        Stanza message = Stanza::make("message", xmlns::kClient);
        message.set_attr("type", "groupchat");
        message.set_attr("from", room_jid(room));
        message.set_attr("to", occupant.real_jid.full());
        Element x = message.add_child("x", kMucUserNs);
        for (int code : codes) {
            x.add_child("status", kMucUserNs).set_attr("code", std::to_string(code));
        }
        send(std::move(message));
    }
}

} // namespace cadenza::muc
