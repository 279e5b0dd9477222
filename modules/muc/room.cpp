#include "room.hpp"

#include <algorithm>

namespace cadenza::muc {

std::string_view role_name(Role role) {
    switch (role) {
    case Role::kModerator:
        return "moderator";
    case Role::kParticipant:
        return "participant";
    case Role::kVisitor:
        return "visitor";
    case Role::kNone:
        return "none";
    }
    return "none";
}

std::optional<Role> parse_role(std::string_view name) {
    for (Role r : {Role::kModerator, Role::kParticipant, Role::kVisitor, Role::kNone}) {
        if (role_name(r) == name) {
            return r;
        }
    }
    return std::nullopt;
}

std::optional<Affiliation> parse_affiliation(std::string_view name) {
    for (Affiliation a : {Affiliation::kOwner, Affiliation::kAdmin, Affiliation::kMember,
                          Affiliation::kNone, Affiliation::kOutcast}) {
        if (affiliation_name(a) == name) {
            return a;
        }
    }
    return std::nullopt;
}

int affiliation_rank(Affiliation a) {
    switch (a) {
    case Affiliation::kOwner:
        return 4;
    case Affiliation::kAdmin:
        return 3;
    case Affiliation::kMember:
        return 2;
    case Affiliation::kNone:
        return 1;
    case Affiliation::kOutcast:
        return 0;
    }
    return 1;
}

Affiliation Room::affiliation(const Jid& jid) const {
    auto it = affiliations_.find(jid.bare());
    return it == affiliations_.end() ? Affiliation::kNone : it->second;
}

void Room::set_affiliation(const Jid& bare, Affiliation a) {
    if (a == Affiliation::kNone) {
        affiliations_.erase(bare.bare());
    } else {
        affiliations_[bare.bare()] = a;
    }
}

std::size_t Room::owner_count() const {
    return static_cast<std::size_t>(
        std::count_if(affiliations_.begin(), affiliations_.end(),
                      [](const auto& entry) { return entry.second == Affiliation::kOwner; }));
}

Role Room::default_role(Affiliation a) const {
    switch (a) {
    case Affiliation::kOwner:
    case Affiliation::kAdmin:
        return Role::kModerator;
    case Affiliation::kMember:
        return Role::kParticipant;
    case Affiliation::kNone:
        return config_.moderated ? Role::kVisitor : Role::kParticipant;
    case Affiliation::kOutcast:
        return Role::kNone;
    }
    return Role::kNone;
}

Occupant* Room::find_nick(std::string_view nick) {
    auto it = std::find_if(occupants_.begin(), occupants_.end(),
                           [nick](const Occupant& o) { return o.nick == nick; });
    return it == occupants_.end() ? nullptr : &*it;
}

Occupant* Room::find_real(const Jid& full) {
    auto it = std::find_if(occupants_.begin(), occupants_.end(),
                           [&full](const Occupant& o) { return o.real_jid == full; });
    return it == occupants_.end() ? nullptr : &*it;
}

void Room::remove_nick(std::string_view nick) {
    std::erase_if(occupants_, [nick](const Occupant& o) { return o.nick == nick; });
}

} // namespace cadenza::muc
