// mod_muc's interface to other modules (XEP-0045): the events it fires on its host's bus and
// the service other modules reach with module.depends<muc::Service>("muc").
#pragma once

#include <cadenza/jid.hpp>
#include <cadenza/module.hpp>
#include <cadenza/stanza.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::muc {

enum class Affiliation { kOwner, kAdmin, kMember, kNone, kOutcast };
enum class Role { kModerator, kParticipant, kVisitor, kNone };

inline std::string_view affiliation_name(Affiliation a) {
    switch (a) {
    case Affiliation::kOwner: return "owner";
    case Affiliation::kAdmin: return "admin";
    case Affiliation::kMember: return "member";
    case Affiliation::kNone: return "none";
    case Affiliation::kOutcast: return "outcast";
    }
    return "none";
}

// The room configuration (muc#roomconfig_* fields).
struct RoomConfig {
    std::string name;                 // roomname
    std::string description;          // roomdesc
    bool persistent = false;          // persistentroom
    bool is_public = true;            // publicroom (listed in disco#items)
    bool members_only = false;        // membersonly
    bool moderated = false;           // moderatedroom
    bool password_protected = false;  // passwordprotectedroom
    std::string password;             // roomsecret
    bool non_anonymous = false;       // whois = "anyone" (true) or "moderators" (false)
    bool change_subject = false;      // changesubject: occupants may change the subject
    std::int64_t history_length = 20; // historylength
};

// One message of the room's stored history.
struct HistoryMessage {
    std::string stanza_id;   // XEP-0359 id the room stamped
    std::string nick;        // sender's nickname
    std::string body;        // <body/> text ("" when none)
    std::string stanza;      // the groupchat message as broadcast, serialised
    std::int64_t sequence = 0;  // strictly increasing per room
    std::int64_t timestamp = 0; // seconds since the epoch
};

// ---- Events fired on the MUC host's bus (notify events). ----

// `muc-broadcast-message`: a groupchat message the room is about to broadcast (already
// stored in the history and stamped with its stanza id).
struct BroadcastMessage {
    std::string_view room;      // the room's local part ("lobby")
    const Stanza& stanza;       // as broadcast (from = room@host/nick)
    std::string_view stanza_id; // XEP-0359 id
    std::string_view nick;      // sender's nickname
    std::string_view body;      // "" when none
};
// `muc-subject-changed`
struct SubjectChanged {
    std::string_view room;
    std::string_view nick; // who changed it ("" for the room itself)
    std::string_view subject;
};
// `muc-occupant-joined`, `muc-occupant-left`
struct OccupantEvent {
    std::string_view room;
    std::string_view nick;
    const Jid& real_jid; // never expose it where the room is semi-anonymous
};
// `muc-room-created`, `muc-room-destroyed`
struct RoomEvent {
    std::string_view room;
};

inline constexpr std::string_view kBroadcastMessage = "muc-broadcast-message";
inline constexpr std::string_view kSubjectChanged = "muc-subject-changed";
inline constexpr std::string_view kOccupantJoined = "muc-occupant-joined";
inline constexpr std::string_view kOccupantLeft = "muc-occupant-left";
inline constexpr std::string_view kRoomCreated = "muc-room-created";
inline constexpr std::string_view kRoomDestroyed = "muc-room-destroyed";

class Service : public cadenza::Service {
public:
    // A room that is still locked (created, not yet configured; XEP-0045 §10.1) does not exist
    // for these two: false and nullopt.
    virtual bool room_exists(std::string_view room) = 0;
    virtual std::optional<RoomConfig> room_config(std::string_view room) = 0;
    // `jid`'s affiliation with the room (kNone for strangers).
    virtual Affiliation affiliation(std::string_view room, const Jid& jid) = 0;
    // Stored history after the message with `after_stanza_id`, oldest first, at most `limit`
    // (0: no limit). Empty or unknown id: all stored history (its oldest `limit` messages).
    // Only messages already broadcast (and fired as muc-broadcast-message) are returned.
    virtual std::vector<HistoryMessage> history_after(std::string_view room,
                                                      std::string_view after_stanza_id,
                                                      std::size_t limit) = 0;
};

} // namespace cadenza::muc
