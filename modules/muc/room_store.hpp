// SQLite storage of one MUC host's rooms (tables muc_rooms, muc_affiliations, muc_history in the
// server's shared database, keyed by host so several MUC components can share it).
//
// Persistent rooms keep their configuration, subject and affiliations here. Every room's
// messages go to muc_history (the archive history_after reads and a restart reloads); the
// history of a temporary room is deleted when the room goes, and any left by a crash is removed
// at load. Writes go through Database::write (group commit): `done` runs after the commit.
// Borrows the Database (owned by the core, alive while the module is loaded); loop thread only.
#pragma once

#include <cadenza/services/muc.hpp>
#include <cadenza/storage.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::muc {

struct StoredRoom {
    std::string room;
    RoomConfig config; // persistent is always true
    std::string subject;
    std::string subject_nick;
    std::map<Jid, Affiliation> affiliations;
};

class RoomStore {
public:
    using Done = std::function<void(bool committed)>;
    // Runs right after the commit, before the change is synced (see storage::Database::write).
    using Visible = std::function<void()>;
    // Runs when the write could not be stored (it never became visible).
    using Failed = std::function<void()>;

    RoomStore(storage::Database& db, std::string host);

    // Creates or upgrades the tables (Database::migrate("muc", ...)).
    void migrate();
    // Every persistent room of this host. Also deletes history left by temporary rooms.
    std::vector<StoredRoom> load_rooms();
    // The last `limit` stored messages of `room`, oldest first.
    std::vector<HistoryMessage> recent_history(std::string_view room, std::size_t limit);
    std::int64_t last_sequence(std::string_view room);
    // Messages after `after_id` (all when "" or unknown) with sequence <= max_sequence, oldest
    // first, at most `limit` (0: no limit).
    std::vector<HistoryMessage> history_after(std::string_view room, std::string_view after_id,
                                              std::int64_t max_sequence, std::size_t limit);

    // Writes the room's row and replaces its affiliations.
    void save_room(const StoredRoom& room, Done done = nullptr);
    void save_subject(std::string_view room, std::string_view subject, std::string_view nick,
                      Visible visible, Failed failed);
    void save_affiliation(std::string_view room, const Jid& bare, Affiliation a);
    // Forgets the room's row and affiliations (it became temporary); history stays.
    void forget_room(std::string_view room);
    // Deletes everything of the room, history included.
    void delete_room(std::string_view room);
    // Stores a message; the work sets message->sequence before `visible` runs.
    void append_history(std::string_view room, std::shared_ptr<HistoryMessage> message,
                        Visible visible, Failed failed);
    // Runs `visible` after the commit of what was written before it (keeps stanzas that need
    // no storage in order with those that do), `failed` if that commit failed.
    void after_commit(Visible visible, Failed failed);
    // Keeps only the newest `keep` messages of the room.
    void trim_history(std::string_view room, std::int64_t keep);

private:
    void write_observed(std::function<void(storage::Database&)> work, Visible visible,
                        Failed failed);

    storage::Database& db_;
    std::string host_;
};

} // namespace cadenza::muc
