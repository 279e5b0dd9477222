// Service discovery (XEP-0045 §6): a room's identity and features, and the service's list of
// public rooms. The service's own disco#info is the core's, from add_identity/add_feature.
#include "muc_host.hpp"

namespace cadenza::muc {
namespace {

void add_form_field(Element form, std::string_view var, std::string_view value) {
    Element field = form.add_child("field", kDataNs);
    field.set_attr("var", var);
    field.add_child("value", kDataNs).set_text(value);
}

} // namespace

HookResult MucHost::on_room_disco_info(StanzaEvent& event) {
    Room* room = find_room(event.to.node());
    auto from = Jid::parse(event.stanza.attr("from"));
    // A locked room does not exist yet for anyone but its owner (§10.1).
    if (room == nullptr || !event.stanza.child("query", kDiscoInfoNs).attr("node").empty() ||
        (room->locked() && (!from || effective_affiliation(*room, *from) != Affiliation::kOwner))) {
        reply_error(event, "cancel", stanza_error::kItemNotFound, "No such room");
        return HookResult::kHandled;
    }
    const RoomConfig& c = room->config();
    Stanza reply = iq_result(event.stanza);
    Element query = reply.add_child("query", kDiscoInfoNs);
    Element identity = query.add_child("identity", kDiscoInfoNs);
    identity.set_attr("category", "conference");
    identity.set_attr("type", "text");
    identity.set_attr("name", c.name.empty() ? room->name() : c.name);
    for (std::string_view feature : std::initializer_list<std::string_view>{
             kMucNs, kDiscoInfoNs, kStanzaIdNs, c.is_public ? "muc_public" : "muc_hidden",
             c.members_only ? "muc_membersonly" : "muc_open",
             c.password_protected ? "muc_passwordprotected" : "muc_unsecured",
             c.moderated ? "muc_moderated" : "muc_unmoderated",
             c.persistent ? "muc_persistent" : "muc_temporary",
             c.non_anonymous ? "muc_nonanonymous" : "muc_semianonymous"}) {
        query.add_child("feature", kDiscoInfoNs).set_attr("var", feature);
    }
    // §6.4: extended room information.
    Element form = query.add_child("x", kDataNs);
    form.set_attr("type", "result");
    Element type = form.add_child("field", kDataNs);
    type.set_attr("var", "FORM_TYPE");
    type.set_attr("type", "hidden");
    type.add_child("value", kDataNs).set_text("http://jabber.org/protocol/muc#roominfo");
    add_form_field(form, "muc#roominfo_description", c.description);
    add_form_field(form, "muc#roominfo_subject", room->subject());
    add_form_field(form, "muc#roominfo_occupants", std::to_string(room->occupants().size()));
    add_form_field(form, "muc#roomconfig_roomname", c.name);
    event.origin.send(std::move(reply));
    return HookResult::kHandled;
}

HookResult MucHost::on_room_disco_items(StanzaEvent& event) {
    Room* room = find_room(event.to.node());
    if (room == nullptr || room->locked()) {
        reply_error(event, "cancel", stanza_error::kItemNotFound, "No such room");
        return HookResult::kHandled;
    }
    // §6.5 lets a room list its occupants; like Prosody's default, it lists none.
    Stanza reply = iq_result(event.stanza);
    reply.add_child("query", kDiscoItemsNs);
    event.origin.send(std::move(reply));
    return HookResult::kHandled;
}

HookResult MucHost::on_service_items(StanzaEvent& event) {
    if (!event.stanza.child("query", kDiscoItemsNs).attr("node").empty()) {
        return HookResult::kPass;
    }
    Stanza reply = iq_result(event.stanza);
    Element query = reply.add_child("query", kDiscoItemsNs);
    for (const auto& [name, room] : rooms_) {
        if (room->config().is_public && !room->locked()) {
            Element item = query.add_child("item", kDiscoItemsNs);
            item.set_attr("jid", room_jid(*room));
            item.set_attr("name", room->config().name.empty() ? name : room->config().name);
        }
    }
    event.origin.send(std::move(reply));
    return HookResult::kHandled;
}

} // namespace cadenza::muc
