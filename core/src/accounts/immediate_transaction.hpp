// A write that must be durable before its caller goes on (creating an account, a new server
// secret): rare, so it takes its own transaction and fsync instead of joining the loop turn's
// group commit (see storage::Database::write).
#pragma once

#include <cadenza/storage.hpp>

#include <type_traits>

namespace cadenza::accounts {

// COMMIT, then the sync the server's connection leaves to its background thread.
inline void commit_durably(storage::Database& db) {
    db.exec("COMMIT");
    if (!db.sync()) {
        throw storage::StorageError("the change was committed but could not be synced to disk", 0);
    }
}

// Runs `work()` between BEGIN IMMEDIATE and COMMIT and returns its result after the commit.
// A group of write()s pending on `db` is committed first, as SQLite transactions do not nest;
// so never call this from inside a write()'s work. On an exception (from work or the commit)
// the transaction is rolled back and the exception propagates.
template <typename F> auto run_immediate(storage::Database& db, F&& work) -> decltype(work()) {
    db.flush();
    db.exec("BEGIN IMMEDIATE");
    try {
        if constexpr (std::is_void_v<decltype(work())>) {
            work();
            commit_durably(db);
        } else {
            auto result = work();
            commit_durably(db);
            return result;
        }
    } catch (...) {
        try {
            db.exec("ROLLBACK");
        } catch (const storage::StorageError&) {
            // SQLite already rolled back (a failed COMMIT may do so): nothing left to undo.
        }
        throw;
    }
}

} // namespace cadenza::accounts
