// One chat room of a MUC service (XEP-0045) and its occupants: plain data plus the rules that
// depend only on the room (who gets which role, who may do what). Sending stanzas and storage
// are the MucHost's job. Owned by the MucHost (rooms_), loop thread only.
#pragma once

#include <cadenza/jid.hpp>
#include <cadenza/services/muc.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::muc {

inline constexpr std::string_view kMucNs = "http://jabber.org/protocol/muc";
inline constexpr std::string_view kMucUserNs = "http://jabber.org/protocol/muc#user";
inline constexpr std::string_view kMucAdminNs = "http://jabber.org/protocol/muc#admin";
inline constexpr std::string_view kMucOwnerNs = "http://jabber.org/protocol/muc#owner";
inline constexpr std::string_view kDataNs = "jabber:x:data";
inline constexpr std::string_view kDiscoInfoNs = "http://jabber.org/protocol/disco#info";
inline constexpr std::string_view kDiscoItemsNs = "http://jabber.org/protocol/disco#items";
inline constexpr std::string_view kStanzaIdNs = "urn:xmpp:sid:0";
inline constexpr std::string_view kDelayNs = "urn:xmpp:delay";

std::string_view role_name(Role role);
std::optional<Role> parse_role(std::string_view name);
std::optional<Affiliation> parse_affiliation(std::string_view name);
// owner 4, admin 3, member 2, none 1, outcast 0: the hierarchy XEP-0045 §5.2 ranks by.
int affiliation_rank(Affiliation a);

struct Occupant {
    std::string nick;
    Jid real_jid; // full JID of the occupant's session
    Role role = Role::kParticipant;
    // The occupant's last presence (show, status, caps...) without MUC payloads, serialised:
    // long-lived, so kept as text rather than as a Stanza (see stanza.hpp).
    std::string presence;
};

class Room {
public:
    Room(std::string name, RoomConfig config, std::uint64_t instance)
        : name_(std::move(name)), config_(std::move(config)), instance_(instance) {}

    const std::string& name() const { return name_; }
    // Distinguishes this room from a later room of the same name (for deferred callbacks).
    std::uint64_t instance() const { return instance_; }

    RoomConfig& config() { return config_; }
    const RoomConfig& config() const { return config_; }

    // Locked rooms (XEP-0045 §10.1) refuse everyone but the owner until configured.
    bool locked() const { return locked_; }
    void set_locked(bool locked) { locked_ = locked; }

    // Affiliations by bare JID; kNone is never stored.
    Affiliation affiliation(const Jid& jid) const;
    void set_affiliation(const Jid& bare, Affiliation a);
    const std::map<Jid, Affiliation>& affiliations() const { return affiliations_; }
    std::size_t owner_count() const;

    // The role an occupant with affiliation `a` gets on entering (XEP-0045 §5.1.2).
    Role default_role(Affiliation a) const;

    // Occupants in join order.
    std::vector<Occupant>& occupants() { return occupants_; }
    const std::vector<Occupant>& occupants() const { return occupants_; }
    Occupant* find_nick(std::string_view nick);
    Occupant* find_real(const Jid& full);
    void remove_nick(std::string_view nick);

    // Whether `viewer` sees occupants' real JIDs (non-anonymous room, or a moderator).
    bool shows_jids_to(const Occupant& viewer) const {
        return config_.non_anonymous || viewer.role == Role::kModerator;
    }

    const std::string& subject() const { return subject_; }
    const std::string& subject_nick() const { return subject_nick_; }
    void set_subject(std::string subject, std::string nick) {
        subject_ = std::move(subject);
        subject_nick_ = std::move(nick);
    }

    // The recent history sent to joining occupants (committed messages only, oldest first).
    std::deque<HistoryMessage>& history() { return history_; }
    const std::deque<HistoryMessage>& history() const { return history_; }
    // Sequence of the last message broadcast: history_after never reports later rows, which
    // are written but not yet committed and broadcast.
    std::int64_t last_broadcast_sequence = 0;
    // Messages stored since the archive was last trimmed.
    std::int64_t stored_since_trim = 0;

private:
    std::string name_;
    RoomConfig config_;
    std::uint64_t instance_;
    bool locked_ = false;
    std::map<Jid, Affiliation> affiliations_;
    std::vector<Occupant> occupants_;
    std::string subject_;
    std::string subject_nick_;
    std::deque<HistoryMessage> history_;
};

} // namespace cadenza::muc
