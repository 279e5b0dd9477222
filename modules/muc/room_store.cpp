#include "room_store.hpp"

#include "room.hpp"

namespace cadenza::muc {
namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE muc_rooms (
    host TEXT NOT NULL,
    room TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    public INTEGER NOT NULL,
    members_only INTEGER NOT NULL,
    moderated INTEGER NOT NULL,
    password_protected INTEGER NOT NULL,
    password TEXT NOT NULL,
    non_anonymous INTEGER NOT NULL,
    change_subject INTEGER NOT NULL,
    history_length INTEGER NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    subject_nick TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (host, room)
);
CREATE TABLE muc_affiliations (
    host TEXT NOT NULL,
    room TEXT NOT NULL,
    jid TEXT NOT NULL,
    affiliation TEXT NOT NULL,
    PRIMARY KEY (host, room, jid)
);
CREATE TABLE muc_history (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    host TEXT NOT NULL,
    room TEXT NOT NULL,
    stanza_id TEXT NOT NULL,
    nick TEXT NOT NULL,
    body TEXT NOT NULL,
    stanza TEXT NOT NULL,
    timestamp INTEGER NOT NULL
);
CREATE INDEX muc_history_by_room ON muc_history (host, room, sequence);
CREATE INDEX muc_history_by_id ON muc_history (host, room, stanza_id);
)sql";

HistoryMessage read_message(storage::Statement& s) {
    HistoryMessage m;
    m.sequence = s.column_int(0);
    m.stanza_id = s.column_text(1);
    m.nick = s.column_text(2);
    m.body = s.column_text(3);
    m.stanza = s.column_text(4);
    m.timestamp = s.column_int(5);
    return m;
}

constexpr std::string_view kMessageColumns = "sequence, stanza_id, nick, body, stanza, timestamp";

} // namespace

RoomStore::RoomStore(storage::Database& db, std::string host) : db_(db), host_(std::move(host)) {}

void RoomStore::migrate() {
    db_.migrate("muc", {kSchemaV1});
}

std::vector<StoredRoom> RoomStore::load_rooms() {
    // History of rooms that are not stored belonged to temporary rooms of an earlier run.
    db_.write([host = host_](storage::Database& db) {
        db.prepare("DELETE FROM muc_history WHERE host = ? AND room NOT IN "
                   "(SELECT room FROM muc_rooms WHERE host = ?)")
            .bind(1, host)
            .bind(2, host)
            .run();
    });
    std::vector<StoredRoom> rooms;
    auto& select = db_.prepare(
        "SELECT room, name, description, public, members_only, moderated, password_protected, "
        "password, non_anonymous, change_subject, history_length, subject, subject_nick "
        "FROM muc_rooms WHERE host = ? ORDER BY room");
    select.bind(1, host_);
    while (select.step()) {
        StoredRoom r;
        r.room = select.column_text(0);
        r.config.name = select.column_text(1);
        r.config.description = select.column_text(2);
        r.config.persistent = true;
        r.config.is_public = select.column_int(3) != 0;
        r.config.members_only = select.column_int(4) != 0;
        r.config.moderated = select.column_int(5) != 0;
        r.config.password_protected = select.column_int(6) != 0;
        r.config.password = select.column_text(7);
        r.config.non_anonymous = select.column_int(8) != 0;
        r.config.change_subject = select.column_int(9) != 0;
        r.config.history_length = select.column_int(10);
        r.subject = select.column_text(11);
        r.subject_nick = select.column_text(12);
        rooms.push_back(std::move(r));
    }
    select.reset();
    auto& affiliations =
        db_.prepare("SELECT jid, affiliation FROM muc_affiliations WHERE host = ? AND room = ?");
    for (StoredRoom& r : rooms) {
        affiliations.bind(1, host_).bind(2, r.room);
        while (affiliations.step()) {
            auto jid = Jid::parse(affiliations.column_view(0));
            auto a = parse_affiliation(affiliations.column_view(1));
            if (jid && a && *a != Affiliation::kNone) {
                r.affiliations[jid->bare()] = *a;
            }
        }
        affiliations.reset();
    }
    return rooms;
}

std::vector<HistoryMessage> RoomStore::recent_history(std::string_view room, std::size_t limit) {
    std::vector<HistoryMessage> out;
    if (limit == 0) {
        return out;
    }
    auto& s = db_.prepare("SELECT " + std::string(kMessageColumns) +
                          " FROM muc_history WHERE host = ? AND room = ? "
                          "ORDER BY sequence DESC LIMIT ?");
    s.bind(1, host_).bind(2, room).bind(3, static_cast<std::int64_t>(limit));
    while (s.step()) {
        out.push_back(read_message(s));
    }
    s.reset();
    return {out.rbegin(), out.rend()};
}

std::int64_t RoomStore::last_sequence(std::string_view room) {
    auto& s = db_.prepare("SELECT MAX(sequence) FROM muc_history WHERE host = ? AND room = ?");
    s.bind(1, host_).bind(2, room);
    std::int64_t last = s.step() && !s.column_is_null(0) ? s.column_int(0) : 0;
    s.reset();
    return last;
}

std::vector<HistoryMessage> RoomStore::history_after(std::string_view room,
                                                     std::string_view after_id,
                                                     std::int64_t max_sequence, std::size_t limit) {
    std::int64_t after = 0;
    if (!after_id.empty()) {
        auto& find = db_.prepare(
            "SELECT sequence FROM muc_history WHERE host = ? AND room = ? AND stanza_id = ?");
        find.bind(1, host_).bind(2, room).bind(3, after_id);
        if (find.step()) {
            after = find.column_int(0);
        }
        find.reset();
    }
    auto& s = db_.prepare("SELECT " + std::string(kMessageColumns) +
                          " FROM muc_history WHERE host = ? AND room = ? AND sequence > ? "
                          "AND sequence <= ? ORDER BY sequence LIMIT ?");
    s.bind(1, host_).bind(2, room).bind(3, after).bind(4, max_sequence);
    s.bind(5, limit == 0 ? std::int64_t{-1} : static_cast<std::int64_t>(limit));
    std::vector<HistoryMessage> out;
    while (s.step()) {
        out.push_back(read_message(s));
    }
    s.reset();
    return out;
}

void RoomStore::save_room(const StoredRoom& room, Done done) {
    db_.write(
        [host = host_, room](storage::Database& db) {
            const RoomConfig& c = room.config;
            db.prepare("INSERT OR REPLACE INTO muc_rooms (host, room, name, description, public, "
                       "members_only, moderated, password_protected, password, non_anonymous, "
                       "change_subject, history_length, subject, subject_nick) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
                .bind(1, host)
                .bind(2, room.room)
                .bind(3, c.name)
                .bind(4, c.description)
                .bind(5, c.is_public ? 1 : 0)
                .bind(6, c.members_only ? 1 : 0)
                .bind(7, c.moderated ? 1 : 0)
                .bind(8, c.password_protected ? 1 : 0)
                .bind(9, c.password)
                .bind(10, c.non_anonymous ? 1 : 0)
                .bind(11, c.change_subject ? 1 : 0)
                .bind(12, c.history_length)
                .bind(13, room.subject)
                .bind(14, room.subject_nick)
                .run();
            db.prepare("DELETE FROM muc_affiliations WHERE host = ? AND room = ?")
                .bind(1, host)
                .bind(2, room.room)
                .run();
            for (const auto& [jid, a] : room.affiliations) {
                db.prepare("INSERT INTO muc_affiliations (host, room, jid, affiliation) "
                           "VALUES (?, ?, ?, ?)")
                    .bind(1, host)
                    .bind(2, room.room)
                    .bind(3, jid.str())
                    .bind(4, affiliation_name(a))
                    .run();
            }
        },
        std::move(done));
}

void RoomStore::save_subject(std::string_view room, std::string_view subject,
                             std::string_view nick, Visible visible, Failed failed) {
    write_observed(
        [host = host_, room = std::string(room), subject = std::string(subject),
         nick = std::string(nick)](storage::Database& db) {
            db.prepare(
                  "UPDATE muc_rooms SET subject = ?, subject_nick = ? WHERE host = ? AND room = ?")
                .bind(1, subject)
                .bind(2, nick)
                .bind(3, host)
                .bind(4, room)
                .run();
        },
        std::move(visible), std::move(failed));
}

void RoomStore::save_affiliation(std::string_view room, const Jid& bare, Affiliation a) {
    db_.write([host = host_, room = std::string(room), jid = bare.str(), a](storage::Database& db) {
        if (a == Affiliation::kNone) {
            db.prepare("DELETE FROM muc_affiliations WHERE host = ? AND room = ? AND jid = ?")
                .bind(1, host)
                .bind(2, room)
                .bind(3, jid)
                .run();
            return;
        }
        db.prepare("INSERT OR REPLACE INTO muc_affiliations (host, room, jid, affiliation) "
                   "VALUES (?, ?, ?, ?)")
            .bind(1, host)
            .bind(2, room)
            .bind(3, jid)
            .bind(4, affiliation_name(a))
            .run();
    });
}

void RoomStore::forget_room(std::string_view room) {
    db_.write([host = host_, room = std::string(room)](storage::Database& db) {
        db.prepare("DELETE FROM muc_rooms WHERE host = ? AND room = ?")
            .bind(1, host)
            .bind(2, room)
            .run();
        db.prepare("DELETE FROM muc_affiliations WHERE host = ? AND room = ?")
            .bind(1, host)
            .bind(2, room)
            .run();
    });
}

void RoomStore::delete_room(std::string_view room) {
    forget_room(room);
    db_.write([host = host_, room = std::string(room)](storage::Database& db) {
        db.prepare("DELETE FROM muc_history WHERE host = ? AND room = ?")
            .bind(1, host)
            .bind(2, room)
            .run();
    });
}

void RoomStore::append_history(std::string_view room, std::shared_ptr<HistoryMessage> message,
                               Visible visible, Failed failed) {
    write_observed(
        [host = host_, room = std::string(room), message](storage::Database& db) {
            db.prepare("INSERT INTO muc_history (host, room, stanza_id, nick, body, stanza, "
                       "timestamp) VALUES (?, ?, ?, ?, ?, ?, ?)")
                .bind(1, host)
                .bind(2, room)
                .bind(3, message->stanza_id)
                .bind(4, message->nick)
                .bind(5, message->body)
                .bind(6, message->stanza)
                .bind(7, message->timestamp)
                .run();
            message->sequence = db.last_insert_rowid();
        },
        std::move(visible), std::move(failed));
}

void RoomStore::after_commit(Visible visible, Failed failed) {
    write_observed([](storage::Database&) {}, std::move(visible), std::move(failed));
}

void RoomStore::write_observed(std::function<void(storage::Database&)> work, Visible visible,
                               Failed failed) {
    // `done` only reports a write that never became visible: a failed sync after the commit
    // is logged by the database, and what it made visible already went out.
    auto shown = std::make_shared<bool>(false);
    db_.write(
        std::move(work),
        [shown, failed = std::move(failed)](bool) {
            if (!*shown && failed) {
                failed();
            }
        },
        [shown, visible = std::move(visible)] {
            *shown = true;
            if (visible) {
                visible();
            }
        });
}

void RoomStore::trim_history(std::string_view room, std::int64_t keep) {
    db_.write([host = host_, room = std::string(room), keep](storage::Database& db) {
        db.prepare("DELETE FROM muc_history WHERE host = ? AND room = ? AND sequence <= "
                   "(SELECT sequence FROM muc_history WHERE host = ? AND room = ? "
                   "ORDER BY sequence DESC LIMIT 1 OFFSET ?)")
            .bind(1, host)
            .bind(2, room)
            .bind(3, host)
            .bind(4, room)
            .bind(5, keep)
            .run();
    });
}

} // namespace cadenza::muc
