// muc#admin: roles (kick, voice, moderator; XEP-0045 §8) and affiliations (ban, member, admin
// and owner lists; §9, §10.3-§10.5), read and changed by the room's moderators, admins and
// owners.
#include "muc_host.hpp"

namespace cadenza::muc {
namespace {

struct Change {
    bool is_role = false;
    std::string nick; // role changes
    Role role = Role::kNone;
    std::optional<Jid> jid; // affiliation changes (bare)
    Affiliation affiliation = Affiliation::kNone;
    std::string reason;
};

struct Refusal {
    std::string_view type;
    std::string_view condition;
    std::string text;
};

} // namespace

HookResult MucHost::on_admin(StanzaEvent& event) {
    Room* room = room_or_error(event);
    if (room == nullptr) {
        return HookResult::kHandled;
    }
    auto from = Jid::parse(event.stanza.attr("from"));
    if (!from) {
        return HookResult::kHandled;
    }
    Occupant* actor = room->find_real(*from);
    if (event.stanza.attr("type") == "get") {
        return admin_get(event, *room, actor);
    }
    return admin_set(event, *room, actor);
}

HookResult MucHost::admin_get(StanzaEvent& event, Room& room, Occupant* actor) {
    auto from = Jid::parse(event.stanza.attr("from"));
    Affiliation actor_affiliation = effective_affiliation(room, *from);
    Element request = event.stanza.child("query", kMucAdminNs).child("item", kMucAdminNs);
    Stanza reply = iq_result(event.stanza);
    Element query = reply.add_child("query", kMucAdminNs);
    if (request.has_attr("affiliation")) {
        auto wanted = parse_affiliation(request.attr("affiliation"));
        if (!wanted || *wanted == Affiliation::kNone) {
            reply_error(event, "modify", stanza_error::kBadRequest, "Unknown affiliation list");
            return HookResult::kHandled;
        }
        if (affiliation_rank(actor_affiliation) < affiliation_rank(Affiliation::kAdmin)) {
            reply_error(event, "auth", stanza_error::kForbidden,
                        "Only admins and owners may read affiliation lists");
            return HookResult::kHandled;
        }
        for (const auto& [jid, a] : room.affiliations()) {
            if (a == *wanted) {
                Element item = query.add_child("item", kMucAdminNs);
                item.set_attr("affiliation", affiliation_name(a));
                item.set_attr("jid", jid.str());
            }
        }
    } else if (request.has_attr("role")) {
        auto wanted = parse_role(request.attr("role"));
        if (!wanted || *wanted == Role::kNone) {
            reply_error(event, "modify", stanza_error::kBadRequest, "Unknown role list");
            return HookResult::kHandled;
        }
        if (actor == nullptr || actor->role != Role::kModerator) {
            reply_error(event, "auth", stanza_error::kForbidden,
                        "Only moderators may read role lists");
            return HookResult::kHandled;
        }
        for (const Occupant& occupant : room.occupants()) {
            if (occupant.role == *wanted) {
                Element item = query.add_child("item", kMucAdminNs);
                item.set_attr("role", role_name(occupant.role));
                item.set_attr("nick", occupant.nick);
                item.set_attr("affiliation",
                              affiliation_name(effective_affiliation(room, occupant.real_jid)));
                item.set_attr("jid", occupant.real_jid.full());
            }
        }
    } else {
        reply_error(event, "modify", stanza_error::kBadRequest,
                    "Ask for a role or an affiliation list");
        return HookResult::kHandled;
    }
    event.origin.send(std::move(reply));
    return HookResult::kHandled;
}

HookResult MucHost::admin_set(StanzaEvent& event, Room& room, Occupant* actor) {
    auto from = Jid::parse(event.stanza.attr("from"));
    Affiliation actor_affiliation = effective_affiliation(room, *from);
    Role actor_role = actor != nullptr ? actor->role : Role::kNone;
    std::vector<Element> items =
        event.stanza.child("query", kMucAdminNs).children("item", kMucAdminNs);
    if (items.empty()) {
        reply_error(event, "modify", stanza_error::kBadRequest, "No item to change");
        return HookResult::kHandled;
    }

    // Every item is checked before any is applied: a request is done entirely or not at all.
    std::map<Jid, Affiliation> tentative = room.affiliations();
    std::vector<Change> changes;
    std::optional<Refusal> refusal;
    for (Element item : items) {
        Change change;
        change.reason = item.child_text("reason", kMucAdminNs);
        if (item.has_attr("role")) {
            auto role = parse_role(item.attr("role"));
            Occupant* target = room.find_nick(item.attr("nick"));
            if (!role || item.attr("nick").empty()) {
                refusal =
                    Refusal{"modify", stanza_error::kBadRequest, "A role change needs a nick"};
            } else if (target == nullptr) {
                refusal = Refusal{"cancel", stanza_error::kItemNotFound, "No such occupant"};
            } else if (actor_role != Role::kModerator) {
                refusal = Refusal{"auth", stanza_error::kForbidden, "Only moderators may do that"};
            } else {
                Affiliation target_affiliation = effective_affiliation(room, target->real_jid);
                bool privileged =
                    affiliation_rank(target_affiliation) >= affiliation_rank(Affiliation::kAdmin);
                if (*role == Role::kModerator &&
                    affiliation_rank(actor_affiliation) < affiliation_rank(Affiliation::kAdmin)) {
                    refusal = Refusal{"auth", stanza_error::kForbidden,
                                      "Only admins and owners may grant moderation"};
                } else if (affiliation_rank(target_affiliation) >
                           affiliation_rank(actor_affiliation)) {
                    refusal = Refusal{"cancel", stanza_error::kNotAllowed,
                                      "The occupant's affiliation is above yours"};
                } else if (privileged && *role != Role::kModerator && *role != Role::kNone) {
                    refusal = Refusal{"cancel", stanza_error::kNotAllowed,
                                      "Admins and owners are always moderators"};
                }
            }
            change.is_role = true;
            change.nick = item.attr("nick");
            change.role = role.value_or(Role::kNone);
        } else if (item.has_attr("affiliation")) {
            auto a = parse_affiliation(item.attr("affiliation"));
            std::optional<Jid> jid;
            if (item.has_attr("jid")) {
                jid = Jid::parse(item.attr("jid"));
            } else if (Occupant* target = room.find_nick(item.attr("nick"))) {
                jid = target->real_jid;
            }
            if (!a || !jid) {
                refusal = Refusal{"modify", stanza_error::kBadRequest,
                                  "An affiliation change needs a valid jid or nick"};
            } else {
                jid = jid->bare();
                auto current_it = tentative.find(*jid);
                Affiliation current =
                    current_it == tentative.end() ? Affiliation::kNone : current_it->second;
                auto rank = affiliation_rank;
                if (actor_affiliation == Affiliation::kOwner) {
                    std::size_t owners = static_cast<std::size_t>(
                        std::count_if(tentative.begin(), tentative.end(), [](const auto& e) {
                            return e.second == Affiliation::kOwner;
                        }));
                    if (current == Affiliation::kOwner && *a != Affiliation::kOwner &&
                        owners <= 1) {
                        refusal = Refusal{"cancel", stanza_error::kConflict,
                                          "The room must keep an owner"};
                    }
                } else if (actor_affiliation == Affiliation::kAdmin) {
                    if (rank(*a) >= rank(Affiliation::kAdmin)) {
                        refusal = Refusal{"auth", stanza_error::kForbidden,
                                          "Only owners may grant admin or owner"};
                    } else if (rank(current) >= rank(Affiliation::kAdmin)) {
                        refusal = Refusal{"cancel", stanza_error::kNotAllowed,
                                          "Only owners may change admins and owners"};
                    }
                } else {
                    refusal = Refusal{"auth", stanza_error::kForbidden,
                                      "Only admins and owners may change affiliations"};
                }
                if (*a == Affiliation::kNone) {
                    tentative.erase(*jid);
                } else {
                    tentative[*jid] = *a;
                }
            }
            change.jid = jid;
            change.affiliation = a.value_or(Affiliation::kNone);
        } else {
            refusal = Refusal{"modify", stanza_error::kBadRequest,
                              "Each item needs a role or an affiliation"};
        }
        if (refusal) {
            reply_error(event, refusal->type, refusal->condition, refusal->text);
            return HookResult::kHandled;
        }
        changes.push_back(std::move(change));
    }

    std::string actor_nick = actor != nullptr ? actor->nick : std::string();
    bool affiliations_changed = false;
    for (const Change& change : changes) {
        if (change.is_role) {
            Occupant* target = room.find_nick(change.nick);
            if (target == nullptr) {
                continue; // removed by an earlier item of this request
            }
            if (change.role == Role::kNone) {
                remove_occupant(room, change.nick,
                                Removal{{status::kKicked}, actor_nick, change.reason, {}});
            } else if (target->role != change.role) {
                target->role = change.role;
                broadcast_presence(room, *target);
            }
            continue;
        }
        room.set_affiliation(*change.jid, change.affiliation);
        affiliations_changed = true;
        if (room.config().persistent) {
            store_.save_affiliation(room.name(), *change.jid, change.affiliation);
        }
        apply_affiliation(room, *change.jid, Removal{{}, actor_nick, change.reason, {}});
    }
    if (affiliations_changed) {
        module_.log().debug("room ", room.name(), ": affiliations changed by ", from->str());
    }
    event.origin.send(iq_result(event.stanza));
    dispose_if_empty(room);
    return HookResult::kHandled;
}

void MucHost::apply_affiliation(Room& room, const Jid& bare, const Removal& removal) {
    std::vector<std::string> nicks;
    for (const Occupant& occupant : room.occupants()) {
        if (occupant.real_jid.bare() == bare) {
            nicks.push_back(occupant.nick);
        }
    }
    Affiliation effective = effective_affiliation(room, bare);
    for (const std::string& nick : nicks) {
        Removal why = removal;
        if (effective == Affiliation::kOutcast) {
            why.codes = {status::kBanned};
        } else if (room.config().members_only &&
                   affiliation_rank(effective) < affiliation_rank(Affiliation::kMember)) {
            why.codes = {status::kAffiliationChanged};
        } else {
            Occupant* occupant = room.find_nick(nick);
            Role role = occupant->role;
            if (effective != Affiliation::kNone || role == Role::kModerator) {
                role = room.default_role(effective);
            }
            occupant->role = role;
            broadcast_presence(room, *occupant);
            continue;
        }
        remove_occupant(room, nick, why);
    }
}

} // namespace cadenza::muc
