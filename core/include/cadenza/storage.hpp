// The embedded store: one SQLite database (WAL) under data_path, shared by the core and every
// module. Loop thread only.
//
// Reads run directly. Writes go through write(): every write of one loop turn runs in one
// transaction, committed (one fsync) when the turn ends, and only then are their `done`
// callbacks run. So a module answers a client in `done`, after its data is durable, while a
// burst of writes costs one commit (group commit).
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

class Database {
public:
    // Opens (creating) the file, in WAL mode with foreign keys on. `loop` may be null (tools
    // such as cadenzactl): write() then commits at once. Throws StorageError.
    Database(const std::string& path, struct event_base* loop);
    ~Database(); // commits a pending group first
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    // A cached prepared statement, reset and with bindings cleared.
    Statement& prepare(std::string_view sql);
    // Runs SQL without results (several statements allowed).
    void exec(std::string_view sql);

    // Runs `work` in the current group transaction; `done(true)` runs after the commit,
    // `done(false)` when work threw or the commit failed (the error is logged). Work of one
    // failing call is rolled back to a savepoint; the rest of the group still commits.
    void write(std::function<void(Database&)> work,
               std::function<void(bool committed)> done = nullptr);
    // Commits the pending group now (normally done at the end of the loop turn).
    void flush();

    // Applies the schema steps of `store` not applied yet, in order, each in a transaction;
    // the applied count is kept in the table schema_versions. Steps are never edited once
    // released: append new ones.
    void migrate(std::string_view store, const std::vector<std::string_view>& steps);

    std::int64_t last_insert_rowid() const;
    std::int64_t changes() const;
    const std::string& path() const { return path_; }

private:
    struct Group;
    void commit_group();

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
};

} // namespace cadenza::storage
