#include "accounts/roster_store.hpp"

#include "accounts/account_store.hpp"
#include "accounts/group_list.hpp"

#include <cadenza/log.hpp>

namespace cadenza::accounts {
namespace {

const Logger kLog("roster");

// Released steps are never edited: append new ones.
const std::vector<std::string_view> kSchema = {
    "CREATE TABLE roster ("
    " host TEXT NOT NULL,"
    " username TEXT NOT NULL,"
    " contact TEXT NOT NULL,"
    " name TEXT,"
    " subscription TEXT NOT NULL DEFAULT 'none'"
    "  CHECK (subscription IN ('none', 'to', 'from', 'both')),"
    " ask TEXT CHECK (ask IS NULL OR ask = 'subscribe'),"
    " approved INTEGER NOT NULL DEFAULT 0,"
    " \"groups\" TEXT NOT NULL DEFAULT '[]',"
    " PRIMARY KEY (host, username, contact),"
    " FOREIGN KEY (host, username) REFERENCES accounts (host, username) ON DELETE CASCADE);"
    "CREATE TABLE roster_versions ("
    " host TEXT NOT NULL,"
    " username TEXT NOT NULL,"
    " version INTEGER NOT NULL,"
    " PRIMARY KEY (host, username),"
    " FOREIGN KEY (host, username) REFERENCES accounts (host, username) ON DELETE CASCADE);"
    "CREATE TABLE roster_pending_in ("
    " host TEXT NOT NULL,"
    " username TEXT NOT NULL,"
    " contact TEXT NOT NULL,"
    " stanza TEXT NOT NULL,"
    " PRIMARY KEY (host, username, contact),"
    " FOREIGN KEY (host, username) REFERENCES accounts (host, username) ON DELETE CASCADE)",
};

constexpr std::string_view kItemColumns = "contact, name, subscription, ask, approved, \"groups\"";

RosterItem read_item(const storage::Statement& s, std::string_view host,
                     std::string_view username) {
    RosterItem item;
    item.contact = s.column_text(0);
    item.name = s.column_text(1);
    // The CHECK constraint keeps the column to the four names.
    item.subscription = parse_subscription(s.column_view(2)).value_or(Subscription::kNone);
    item.ask = !s.column_is_null(3);
    item.approved = s.column_int(4) != 0;
    if (auto groups = decode_groups(s.column_view(5))) {
        item.groups = std::move(*groups);
    } else {
        kLog.error("roster of ", username, "@", host, ": the groups of ", item.contact,
                   " are damaged and read as none; the user can set them again");
    }
    return item;
}

std::int64_t bump_version(storage::Database& db, std::string_view host, std::string_view username) {
    storage::Statement& s = db.prepare(
        "INSERT INTO roster_versions (host, username, version) VALUES (?, ?, 1) "
        "ON CONFLICT (host, username) DO UPDATE SET version = version + 1 RETURNING version");
    s.bind(1, host).bind(2, username);
    s.step();
    std::int64_t version = s.column_int(0);
    s.reset();
    return version;
}

} // namespace

std::string_view subscription_name(Subscription subscription) {
    switch (subscription) {
    case Subscription::kNone:
        return "none";
    case Subscription::kTo:
        return "to";
    case Subscription::kFrom:
        return "from";
    case Subscription::kBoth:
        return "both";
    }
    return "none";
}

std::optional<Subscription> parse_subscription(std::string_view name) {
    for (auto s :
         {Subscription::kNone, Subscription::kTo, Subscription::kFrom, Subscription::kBoth}) {
        if (subscription_name(s) == name) {
            return s;
        }
    }
    return std::nullopt;
}

RosterStore::RosterStore(storage::Database& db) : db_(db) {
    migrate_account_schema(db_);
    db_.migrate("roster", kSchema);
}

std::vector<RosterItem> RosterStore::items(std::string_view host, std::string_view username) {
    storage::Statement& s = db_.prepare("SELECT " + std::string(kItemColumns) +
                                        " FROM roster WHERE host = ? AND username = ? "
                                        "ORDER BY contact");
    s.bind(1, host).bind(2, username);
    std::vector<RosterItem> out;
    while (s.step()) {
        out.push_back(read_item(s, host, username));
    }
    return out;
}

std::optional<RosterItem> RosterStore::item(std::string_view host, std::string_view username,
                                            std::string_view contact) {
    storage::Statement& s = db_.prepare("SELECT " + std::string(kItemColumns) +
                                        " FROM roster WHERE host = ? AND username = ? "
                                        "AND contact = ?");
    s.bind(1, host).bind(2, username).bind(3, contact);
    if (!s.step()) {
        return std::nullopt;
    }
    RosterItem item = read_item(s, host, username);
    s.reset();
    return item;
}

std::int64_t RosterStore::version(std::string_view host, std::string_view username) {
    storage::Statement& s =
        db_.prepare("SELECT version FROM roster_versions WHERE host = ? AND username = ?");
    s.bind(1, host).bind(2, username);
    std::int64_t version = s.step() ? s.column_int(0) : 0;
    s.reset();
    return version;
}

std::optional<std::int64_t> RosterStore::upsert(std::string_view host, std::string_view username,
                                                const RosterItem& item, WriteDone done) {
    std::int64_t new_version = 0;
    bool ok = write(
        [&](storage::Database& db) {
            storage::Statement& s = db.prepare(
                "INSERT INTO roster (host, username, contact, name, subscription, ask, approved, "
                "\"groups\") VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (host, username, contact) DO UPDATE SET name = excluded.name, "
                "subscription = excluded.subscription, ask = excluded.ask, "
                "approved = excluded.approved, \"groups\" = excluded.\"groups\"");
            s.bind(1, host).bind(2, username).bind(3, item.contact);
            if (item.name.empty()) {
                s.bind_null(4);
            } else {
                s.bind(4, item.name);
            }
            s.bind(5, subscription_name(item.subscription));
            if (item.ask) {
                s.bind(6, "subscribe");
            } else {
                s.bind_null(6);
            }
            s.bind(7, item.approved ? 1 : 0).bind(8, encode_groups(item.groups));
            s.run();
            new_version = bump_version(db, host, username);
        },
        std::move(done));
    return ok ? std::optional(new_version) : std::nullopt;
}

std::optional<std::int64_t> RosterStore::remove(std::string_view host, std::string_view username,
                                                std::string_view contact, WriteDone done) {
    std::int64_t new_version = 0;
    bool ok = write(
        [&](storage::Database& db) {
            db.prepare("DELETE FROM roster WHERE host = ? AND username = ? AND contact = ?")
                .bind(1, host)
                .bind(2, username)
                .bind(3, contact)
                .run();
            new_version =
                db.changes() > 0 ? bump_version(db, host, username) : version(host, username);
        },
        std::move(done));
    return ok ? std::optional(new_version) : std::nullopt;
}

bool RosterStore::add_pending_in(std::string_view host, std::string_view username,
                                 std::string_view contact, std::string_view stanza,
                                 WriteDone done) {
    return write(
        [&](storage::Database& db) {
            db.prepare("INSERT INTO roster_pending_in (host, username, contact, stanza) "
                       "VALUES (?, ?, ?, ?) ON CONFLICT (host, username, contact) "
                       "DO UPDATE SET stanza = excluded.stanza")
                .bind(1, host)
                .bind(2, username)
                .bind(3, contact)
                .bind(4, stanza)
                .run();
        },
        std::move(done));
}

std::vector<PendingSubscription> RosterStore::pending_in(std::string_view host,
                                                         std::string_view username) {
    // rowid order is arrival order: a replaced request keeps its row.
    storage::Statement& s = db_.prepare("SELECT contact, stanza FROM roster_pending_in "
                                        "WHERE host = ? AND username = ? ORDER BY rowid");
    s.bind(1, host).bind(2, username);
    std::vector<PendingSubscription> out;
    while (s.step()) {
        out.push_back({s.column_text(0), s.column_text(1)});
    }
    return out;
}

bool RosterStore::remove_pending_in(std::string_view host, std::string_view username,
                                    std::string_view contact, WriteDone done) {
    return write(
        [&](storage::Database& db) {
            db.prepare("DELETE FROM roster_pending_in WHERE host = ? AND username = ? AND "
                       "contact = ?")
                .bind(1, host)
                .bind(2, username)
                .bind(3, contact)
                .run();
        },
        std::move(done));
}

bool RosterStore::write(const std::function<void(storage::Database&)>& work, WriteDone done) {
    // write() runs the work before it returns and swallows its exception: note completion.
    bool completed = false;
    db_.write(
        [&](storage::Database& db) {
            work(db);
            completed = true;
        },
        std::move(done));
    return completed;
}

} // namespace cadenza::accounts
