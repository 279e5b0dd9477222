#include <cadenza/log.hpp>
#include <cadenza/storage.hpp>

#include <event2/event.h>
#include <sqlite3.h>

#include <cerrno>
#include <cstring>

namespace cadenza::storage {
namespace {

const Logger kLog("storage");

[[noreturn]] void fail(sqlite3* db, int code, std::string_view what) {
    throw StorageError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(code)),
                       code);
}

} // namespace

// The writes of the current loop turn, committed together.
struct Database::Group {
    std::vector<std::pair<std::function<void(bool)>, bool>> callbacks; // done, work succeeded
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
    // cadenzactl may write while the server runs: wait for the lock rather than fail.
    sqlite3_busy_timeout(db_, 5000);
    // WAL: readers never block the writer. synchronous=FULL: a commit survives power loss,
    // not only a crash; group commit keeps that to one fsync per loop turn.
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    exec("CREATE TABLE IF NOT EXISTS schema_versions (store TEXT PRIMARY KEY, version INTEGER "
         "NOT NULL)");
    if (loop_ != nullptr) {
        flush_event_ = event_new(
            loop_, -1, 0,
            [](evutil_socket_t, short, void* self) { static_cast<Database*>(self)->flush(); },
            this);
    }
}

Database::~Database() {
    try {
        flush();
    } catch (const std::exception& e) {
        kLog.error("final commit failed: ", e.what());
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

void Database::write(std::function<void(Database&)> work, std::function<void(bool)> done) {
    if (!group_) {
        exec("BEGIN IMMEDIATE");
        group_ = std::make_unique<Group>();
        if (flush_event_ != nullptr) {
            // Runs after the callbacks already active in this loop turn: the group collects
            // every write of the turn.
            event_active(flush_event_, EV_TIMEOUT, 0);
        }
    }
    bool ok = true;
    exec("SAVEPOINT cadenza_write");
    try {
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
    group_->callbacks.emplace_back(std::move(done), ok);
    if (flush_event_ == nullptr) {
        flush();
    }
}

void Database::flush() {
    if (group_) {
        commit_group();
    }
}

void Database::commit_group() {
    std::unique_ptr<Group> group = std::move(group_);
    bool committed = true;
    try {
        exec("COMMIT");
    } catch (const std::exception& e) {
        committed = false;
        kLog.error("commit failed; ", group->callbacks.size(), " write(s) lost: ", e.what());
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    // Callbacks may write again: that opens the next group.
    for (auto& [done, ok] : group->callbacks) {
        if (done) {
            try {
                done(committed && ok);
            } catch (const std::exception& e) {
                kLog.error("write callback threw: ", e.what());
            }
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
