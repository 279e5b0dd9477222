// The embedded store: one SQLite database (WAL) under data_path, shared by the core and every
// module. Loop thread only.
//
// Reads run directly. Writes go through write(): every write of one loop turn runs in one
// transaction, committed when the turn ends (group commit). A commit reaches the disk in two
// steps, and a write can wait for either:
//   visible  right after COMMIT, on the loop thread: other reads see the change, and it
//            survives a crash of the process (the WAL frames are in the OS's cache);
//   durable  once a background thread has fdatasync()ed the WAL: it survives a power loss.
// So a module broadcasts in `visible` (microseconds after the turn) and answers the client in
// `done`, after its data is durable, and the loop never waits for the disk.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct sqlite3;
struct sqlite3_stmt;
struct event_base;
struct event;

namespace cadenza::storage {

// A failed SQLite call; what() has SQLite's message and the statement.
class StorageError : public std::runtime_error {
public:
    StorageError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
    int code() const { return code_; }

private:
    int code_;
};

// A prepared statement, cached by the Database and reused. Borrowed: valid until the Database
// is destroyed. Bind indexes start at 1, column indexes at 0.
class Statement {
public:
    Statement(sqlite3* db, sqlite3_stmt* stmt, std::string sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, std::int64_t{value}); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind_blob(int index, std::string_view bytes);
    Statement& bind_null(int index);

    // Steps once: true when a row is available. Throws StorageError.
    bool step();
    // Steps to the end (for statements without rows).
    void run();
    // Resets and clears bindings; called automatically by Database::prepare.
    void reset();

    std::int64_t column_int(int index) const;
    double column_double(int index) const;
    std::string column_text(int index) const;
    std::string_view column_view(int index) const; // valid until the next step/reset
    bool column_is_null(int index) const;

private:
    sqlite3* db_;
    sqlite3_stmt* stmt_;
    std::string sql_;
};

class WalSyncer;

class Database {
public:
    // Opens (creating) the file, in WAL mode with foreign keys on. `loop` may be null (tools
    // such as cadenzactl): write() then commits and syncs at once. Throws StorageError.
    Database(const std::string& path, struct event_base* loop);
    ~Database(); // commits a pending group first
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // A cached prepared statement, reset and with bindings cleared.
    Statement& prepare(std::string_view sql);
    // Runs SQL without results (several statements allowed).
    void exec(std::string_view sql);

    // Runs `work` now, inside the current group transaction, and never throws. `visible`
    // runs after the group's COMMIT, `done(true)` once it is durable; `done(false)` (and no
    // `visible`) when work threw, the transaction could not begin (e.g. another process holds
    // the write lock past the busy timeout) or the commit or sync failed; the error is
    // logged. Work of one failing call is rolled back to a savepoint; the rest still commits.
    void write(std::function<void(Database&)> work,
               std::function<void(bool durable)> done = nullptr,
               std::function<void()> visible = nullptr);
    // Commits the pending group now (normally done at the end of the loop turn); its
    // `visible` callbacks run before this returns, `done` ones when the sync completes.
    void flush();
    // Blocks until every commit so far is on disk (for the rare write that must be durable
    // before its caller goes on, see accounts::run_immediate). False when the sync failed.
    bool sync();

    // Applies the schema steps of `store` not applied yet, in order, each in a transaction;
    // the applied count is kept in the table schema_versions. Steps are never edited once
    // released: append new ones.
    void migrate(std::string_view store, const std::vector<std::string_view>& steps);

    std::int64_t last_insert_rowid() const;
    std::int64_t changes() const;
    const std::string& path() const { return path_; }

private:
    struct Group;
    struct Callbacks;
    void begin_group();
    void commit_group();
    void durable(std::uint64_t mark, bool ok);

    sqlite3* db_ = nullptr;
    std::string path_;
    struct event_base* loop_;
    ::event* flush_event_ = nullptr;
    struct SqlHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
    };
    std::unordered_map<std::string, std::unique_ptr<Statement>, SqlHash, std::equal_to<>>
        statements_;
    std::unique_ptr<Group> group_;
    std::uint64_t commits_ = 0;             // groups committed so far: the sync marks
    std::vector<Callbacks> awaiting_sync_;  // in commit order
    std::unique_ptr<WalSyncer> syncer_;     // null without a loop: commits sync themselves
};

} // namespace cadenza::storage
