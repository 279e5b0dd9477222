// The MUC service of one component host (XEP-0045): its rooms, the stanza handlers the module
// hooks, and the muc::Service other modules reach with depends<muc::Service>("muc").
//
// Created in load; shared by the hooks that call it and by the core (provide()). Borrows the
// Module, so nothing may call it after unload: deferred work (database commits, timers) holds
// a weak_ptr and re-finds rooms by name and instance. Loop thread only.
//
// The handlers live in several files: occupants.cpp (entering, leaving, nick changes,
// presence), messages.cpp (groupchat, subject, private messages), admin.cpp (muc#admin: roles
// and affiliations), owner.cpp (muc#owner: configuration, destruction), disco.cpp.
#pragma once

#include "history.hpp"
#include "room.hpp"
#include "room_store.hpp"

#include <cadenza/module.hpp>
#include <cadenza/services/muc.hpp>
#include <cadenza/xmpp.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::muc {

// Who may create rooms (`restrict_room_creation`, as Prosody).
enum class RoomCreation { kAnyone, kAdmins, kLocalUsers };

// Options read in load (see modules/muc/README.md).
struct MucOptions {
    bool room_locking = true;               // muc_room_locking
    std::chrono::seconds lock_timeout{300}; // muc_room_lock_timeout
    RoomCreation creation = RoomCreation::kAnyone;
    std::set<Jid> admins;                   // admins (bare JIDs)
    std::int64_t max_history_messages = 20; // max_history_messages
    std::int64_t archive_messages = 1000;   // muc_archive_messages: kept per room
    RoomConfig defaults;                    // muc_room_default_*
    std::string service_name = "Chatrooms"; // name
};

// Status codes of XEP-0045 §15.2 used here.
namespace status {
inline constexpr int kNonAnonymous = 100;
inline constexpr int kConfigChanged = 104;
inline constexpr int kSelf = 110;
inline constexpr int kNowNonAnonymous = 172;
inline constexpr int kNowSemiAnonymous = 173;
inline constexpr int kCreated = 201;
inline constexpr int kBanned = 301;
inline constexpr int kNickChanged = 303;
inline constexpr int kKicked = 307;
inline constexpr int kAffiliationChanged = 321;
inline constexpr int kMembersOnly = 322;
inline constexpr int kRemovedOnError = 333;
} // namespace status

class MucHost final : public Service, public std::enable_shared_from_this<MucHost> {
public:
    MucHost(Module& module, MucOptions options);

    // Creates the tables and loads the persistent rooms with their recent history.
    void load_rooms();
    // Registers the stanza handlers and disco entries on the module's host (muc.cpp).
    void install_hooks();

    // muc::Service
    bool room_exists(std::string_view room) override;
    std::optional<RoomConfig> room_config(std::string_view room) override;
    Affiliation affiliation(std::string_view room, const Jid& jid) override;
    std::vector<HistoryMessage> history_after(std::string_view room,
                                              std::string_view after_stanza_id,
                                              std::size_t limit) override;

private:
    // Details of a removal, for the unavailable presence (XEP-0045 §8.2, §9.1).
    struct Removal {
        std::vector<int> codes;
        std::string actor_nick;
        std::string reason;
        std::string status; // the leaving occupant's own <status/> text
    };

    // occupants.cpp
    HookResult on_presence(StanzaEvent& event);
    void join(StanzaEvent& event, const Jid& from, const std::string& room_name,
              const std::string& nick);
    void update_presence(Room& room, Occupant& occupant, const Stanza& presence);
    void change_nick(StanzaEvent& event, Room& room, Occupant& occupant, const std::string& nick);
    void leave(Room& room, const std::string& nick, const Stanza* presence);
    // An occupant whose server bounced what the room sent is gone (XEP-0045 status 333).
    void remove_ghost(Room& room, const std::string& nick);
    // Removes an occupant with an unavailable presence carrying `removal` to everyone.
    void remove_occupant(Room& room, const std::string& nick, const Removal& removal);
    // The presence of `subject` as `viewer` sees it (real JID only when allowed).
    Stanza occupant_presence(const Room& room, const Occupant& subject, const Occupant& viewer,
                             const std::vector<int>& codes) const;
    // Sends `subject`'s current presence to every occupant (110 to itself).
    void broadcast_presence(Room& room, const Occupant& subject,
                            const std::vector<int>& codes = {});
    bool may_create(const Jid& from) const;

    // messages.cpp
    HookResult on_message(StanzaEvent& event);
    void groupchat(StanzaEvent& event, Room& room, Occupant& sender);
    void change_subject(StanzaEvent& event, Room& room, Occupant& sender);
    void private_message(StanzaEvent& event, Room& room, const std::string& to_nick);
    void send_subject(const Room& room, const Jid& to);
    // Stores a groupchat message and sends it once committed (see the .cpp for the order);
    // `failure` goes to the sender if it cannot be stored.
    void store_and_broadcast(Room& room, Stanza message, const std::string& nick,
                             Stanza failure);
    // A groupchat message from the room itself (status codes) to every occupant.
    void room_notice(Room& room, const std::vector<int>& codes);

    // admin.cpp
    HookResult on_admin(StanzaEvent& event);
    HookResult admin_get(StanzaEvent& event, Room& room, Occupant* actor);
    HookResult admin_set(StanzaEvent& event, Room& room, Occupant* actor);
    // Applies the (already set) affiliation of `bare` to its present occupants: new roles,
    // or removal (301 banned, 321 no longer a member of a members-only room).
    void apply_affiliation(Room& room, const Jid& bare, const Removal& removal);

    // owner.cpp
    HookResult on_owner(StanzaEvent& event);
    void submit_config(StanzaEvent& event, Room& room, Element form);
    void destroy_room(Room& room, std::string_view alternate, std::string_view reason);

    // disco.cpp
    HookResult on_room_disco_info(StanzaEvent& event);
    HookResult on_room_disco_items(StanzaEvent& event);
    HookResult on_service_items(StanzaEvent& event);

    // muc_host.cpp
    Room& create_room(const std::string& name, const Jid& owner);
    // Destroys a temporary room nobody is in any more.
    void dispose_if_empty(Room& room);
    // Forgets the room: storage, memory, muc-room-destroyed.
    void remove_room(const std::string& name);
    // Writes the persistent room's row and affiliations (or forgets it when it became
    // temporary).
    void persist(Room& room, RoomStore::Done done = nullptr);
    Room* find_room(std::string_view name);
    // The room for a stanza to room@host[/nick], or an item-not-found error sent back.
    Room* room_or_error(StanzaEvent& event);
    std::string room_jid(const Room& room) const;
    std::string occupant_jid(const Room& room, std::string_view nick) const;
    std::string new_stanza_id();
    Affiliation effective_affiliation(const Room& room, const Jid& jid) const;
    void send(Stanza stanza) { module_.send(std::move(stanza)); }
    void reply_error(StanzaEvent& event, std::string_view type, std::string_view condition,
                     std::string_view text = {});
    static Stanza iq_result(const Stanza& request);

    Module& module_;
    MucOptions options_;
    RoomStore store_;
    std::map<std::string, std::unique_ptr<Room>, std::less<>> rooms_;
    std::uint64_t next_instance_ = 1;
    std::uint64_t id_counter_ = 0;
    std::uint64_t id_seed_ = 0;
};

} // namespace cadenza::muc
