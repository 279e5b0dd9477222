#include <cadenza/log.hpp>
#include <cadenza/storage.hpp>

#include "wal_syncer.hpp"

#include <event2/event.h>
#include <sqlite3.h>

#include <cerrno>
#include <cstring>

namespace cadenza::storage {
namespace {

const Logger kLog("storage");

// How long a write waits for a lock another process holds (cadenzactl, a backup).
constexpr int kLoopBusyTimeoutMs = 200;
constexpr int kToolBusyTimeoutMs = 5000;

[[noreturn]] void fail(sqlite3* db, int code, std::string_view what) {
    throw StorageError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(code)),
                       code);
}

} // namespace

// One write's callbacks.
struct Database::Callbacks {
    std::function<void(bool)> done;
    std::function<void()> visible;
    bool ok = true;             // its work ran and succeeded
    std::uint64_t mark = 0;     // the commit it belongs to
};

// The writes of the current loop turn, committed together.
struct Database::Group {
    bool begun = false; // false: BEGIN failed, every write of this turn fails
    std::vector<Callbacks> writes;
};

Statement::Statement(sqlite3* db, sqlite3_stmt* stmt, std::string sql)
    : db_(db), stmt_(stmt), sql_(std::move(sql)) {}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind(int index, std::int64_t value) {
    if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) {
        fail(db_, 0, "bind in " + sql_);
    }
    return *this;
}

Statement& Statement::bind(int index, double value) {
    if (sqlite3_bind_double(stmt_, index, value) != SQLITE_OK) {
        fail(db_, 0, "bind in " + sql_);
    }
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    if (sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                            SQLITE_UTF8) != SQLITE_OK) {
        fail(db_, 0, "bind in " + sql_);
    }
    return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
    if (sqlite3_bind_blob64(stmt_, index, bytes.data(), bytes.size(), SQLITE_TRANSIENT) !=
        SQLITE_OK) {
        fail(db_, 0, "bind in " + sql_);
    }
    return *this;
}

Statement& Statement::bind_null(int index) {
    if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) {
        fail(db_, 0, "bind in " + sql_);
    }
    return *this;
}

bool Statement::step() {
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) {
        return true;
    }
    if (rc == SQLITE_DONE) {
        return false;
    }
    int code = rc;
    std::string message = std::string(sqlite3_errmsg(db_)) + " in " + sql_;
    sqlite3_reset(stmt_);
    throw StorageError(message, code);
}

void Statement::run() {
    while (step()) {
    }
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::int64_t Statement::column_int(int index) const { return sqlite3_column_int64(stmt_, index); }

double Statement::column_double(int index) const { return sqlite3_column_double(stmt_, index); }

std::string Statement::column_text(int index) const { return std::string(column_view(index)); }

std::string_view Statement::column_view(int index) const {
    const void* data = sqlite3_column_blob(stmt_, index);
    int size = sqlite3_column_bytes(stmt_, index);
    return data == nullptr ? std::string_view() : std::string_view(static_cast<const char*>(data),
                                                                   static_cast<std::size_t>(size));
}

bool Statement::column_is_null(int index) const {
    return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

Database::Database(const std::string& path, struct event_base* loop) : path_(path), loop_(loop) {
    int rc = sqlite3_open_v2(path.c_str(), &db_,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
        std::string message = "cannot open database " + path + ": " +
                              (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
        sqlite3_close(db_);
        db_ = nullptr;
        throw StorageError(message, rc);
    }
    sqlite3_extended_result_codes(db_, 1);
    // cadenzactl may write while the server runs: wait for its lock, briefly on the loop
    // (a longer wait stalls every client; the write fails and the client is told instead).
    sqlite3_busy_timeout(db_, loop_ != nullptr ? kLoopBusyTimeoutMs : kToolBusyTimeoutMs);
    exec("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;");
    exec("CREATE TABLE IF NOT EXISTS schema_versions (store TEXT PRIMARY KEY, version INTEGER "
         "NOT NULL)");
    if (loop_ != nullptr) {
        flush_event_ = event_new(
            loop_, -1, 0,
            [](evutil_socket_t, short, void* self) { static_cast<Database*>(self)->flush(); },
            this);
        // Commits append to the WAL; the syncer thread makes them durable and checkpoints.
        syncer_ = std::make_unique<WalSyncer>(
            path_, loop_, [this](std::uint64_t mark, bool ok) { durable(mark, ok); });
        exec("PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;");
    } else {
        // A tool: each commit fsyncs itself, as SQLite does by default.
        exec("PRAGMA synchronous=FULL;");
    }
}

Database::~Database() {
    try {
        flush();
    } catch (const std::exception& e) {
        kLog.error("final commit failed: ", e.what());
    }
    if (syncer_) {
        bool ok = syncer_->sync_now();
        syncer_.reset();
        durable(commits_, ok);
    }
    if (flush_event_ != nullptr) {
        event_free(flush_event_);
    }
    statements_.clear();
    sqlite3_close(db_);
}

Statement& Database::prepare(std::string_view sql) {
    auto it = statements_.find(sql);
    if (it == statements_.end()) {
        sqlite3_stmt* stmt = nullptr;
        int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
        if (rc != SQLITE_OK) {
            fail(db_, rc, "cannot prepare " + std::string(sql));
        }
        it = statements_
                 .emplace(std::string(sql),
                          std::make_unique<Statement>(db_, stmt, std::string(sql)))
                 .first;
    }
    it->second->reset();
    return *it->second;
}

void Database::exec(std::string_view sql) {
    std::string text(sql);
    char* error = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &error);
    if (rc != SQLITE_OK) {
        std::string message = std::string(error ? error : sqlite3_errstr(rc)) + " in " + text;
        sqlite3_free(error);
        throw StorageError(message, rc);
    }
}

void Database::begin_group() {
    group_ = std::make_unique<Group>();
    try {
        exec("BEGIN IMMEDIATE");
        group_->begun = true;
    } catch (const std::exception& e) {
        kLog.error("cannot start a write transaction; this loop turn's writes fail: ", e.what());
    }
    if (flush_event_ != nullptr) {
        // Runs after the callbacks already active in this loop turn: the group collects
        // every write of the turn.
        event_active(flush_event_, EV_TIMEOUT, 0);
    }
}

void Database::write(std::function<void(Database&)> work, std::function<void(bool)> done,
                     std::function<void()> visible) {
    if (!group_) {
        begin_group();
    }
    bool ok = group_->begun;
    if (ok) {
        try {
            exec("SAVEPOINT cadenza_write");
            work(*this);
            exec("RELEASE cadenza_write");
        } catch (const std::exception& e) {
            ok = false;
            kLog.error("write failed and was rolled back: ", e.what());
            try {
                exec("ROLLBACK TO cadenza_write; RELEASE cadenza_write");
            } catch (const std::exception& rollback) {
                kLog.error("rollback failed: ", rollback.what());
            }
        }
    }
    group_->writes.push_back(Callbacks{std::move(done), std::move(visible), ok, 0});
    if (flush_event_ == nullptr) {
        flush();
    }
}

void Database::flush() {
    if (group_) {
        commit_group();
    }
}

bool Database::sync() { return syncer_ ? syncer_->sync_now() : true; }

namespace {

template <typename F> void run_callback(F&& callback) {
    try {
        callback();
    } catch (const std::exception& e) {
        kLog.error("write callback threw: ", e.what());
    }
}

} // namespace

void Database::commit_group() {
    std::unique_ptr<Group> group = std::move(group_);
    bool committed = group->begun;
    if (group->begun) {
        try {
            exec("COMMIT");
        } catch (const std::exception& e) {
            committed = false;
            kLog.error("commit failed; ", group->writes.size(), " write(s) lost: ", e.what());
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        }
    }
    std::uint64_t mark = committed ? ++commits_ : 0;
    // Callbacks may write again: that opens the next group.
    std::vector<Callbacks> stored;
    for (Callbacks& write : group->writes) {
        if (!committed || !write.ok) {
            if (write.done) {
                run_callback([&] { write.done(false); });
            }
            continue;
        }
        if (write.visible) {
            run_callback(write.visible);
        }
        write.mark = mark;
        stored.push_back(std::move(write));
    }
    if (stored.empty()) {
        return;
    }
    if (!syncer_) {
        for (Callbacks& write : stored) { // synchronous=FULL: COMMIT synced already
            if (write.done) {
                run_callback([&] { write.done(true); });
            }
        }
        return;
    }
    for (Callbacks& write : stored) {
        awaiting_sync_.push_back(std::move(write));
    }
    syncer_->request(mark);
}

void Database::durable(std::uint64_t mark, bool ok) {
    std::size_t n = 0;
    while (n < awaiting_sync_.size() && awaiting_sync_[n].mark <= mark) {
        ++n;
    }
    // Taken out first: callbacks may write, and so append to awaiting_sync_.
    std::vector<Callbacks> ready(std::make_move_iterator(awaiting_sync_.begin()),
                                 std::make_move_iterator(awaiting_sync_.begin() +
                                                         static_cast<std::ptrdiff_t>(n)));
    awaiting_sync_.erase(awaiting_sync_.begin(),
                         awaiting_sync_.begin() + static_cast<std::ptrdiff_t>(n));
    for (Callbacks& write : ready) {
        if (write.done) {
            run_callback([&] { write.done(ok); });
        }
    }
}

void Database::migrate(std::string_view store, const std::vector<std::string_view>& steps) {
    flush();
    Statement& get = prepare("SELECT version FROM schema_versions WHERE store = ?");
    get.bind(1, store);
    std::int64_t version = get.step() ? get.column_int(0) : 0;
    get.reset();
    for (auto i = static_cast<std::size_t>(version); i < steps.size(); ++i) {
        exec("BEGIN IMMEDIATE");
        try {
            exec(steps[i]);
            prepare("INSERT INTO schema_versions (store, version) VALUES (?, ?) "
                    "ON CONFLICT(store) DO UPDATE SET version = excluded.version")
                .bind(1, store)
                .bind(2, static_cast<std::int64_t>(i + 1))
                .run();
            exec("COMMIT");
        } catch (...) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    }
}

std::int64_t Database::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

} // namespace cadenza::storage
