// Makes committed transactions durable off the event loop.
//
// The loop's connection commits with synchronous=NORMAL: COMMIT only appends frames to the WAL
// file (they survive a crash of the process at once, not yet a power loss). The syncer thread
// then fdatasync()s the WAL and reports, through an eventfd watched by the loop, how far the
// commits are durable. It also runs the WAL checkpoints on a connection of its own, so the
// loop thread never waits for the disk.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

struct event_base;
struct event;
struct sqlite3;

namespace cadenza::storage {

class WalSyncer {
public:
    // `on_durable(mark, ok)` runs on the loop thread once every commit made before
    // request(mark) is on disk (ok), or the disk refused the sync (not ok; logged). Throws
    // StorageError when the WAL file or the eventfd cannot be opened.
    using Durable = std::function<void(std::uint64_t mark, bool ok)>;
    WalSyncer(const std::string& database_path, struct event_base* loop, Durable on_durable);
    // Finishes the sync in progress and any requested one, then stops the thread; it does
    // not call on_durable (the owner calls sync_now() for what is left).
    ~WalSyncer();
    WalSyncer(const WalSyncer&) = delete;
    WalSyncer& operator=(const WalSyncer&) = delete;

    // Loop thread: asks for a sync covering every commit made so far; marks only grow.
    void request(std::uint64_t mark);
    // Any thread: fdatasync()s the WAL now, blocking. False (logged) when the disk refused.
    bool sync_now();

private:
    void run();
    void checkpoint_if_large();
    void notify_loop();
    void drain_notifications();

    int wal_fd_ = -1;
    int wake_fd_ = -1; // eventfd: the thread wakes the loop
    ::event* wake_event_ = nullptr;
    sqlite3* checkpointer_ = nullptr; // used by the thread only
    Durable on_durable_;

    std::mutex mutex_;
    std::condition_variable wanted_;
    std::uint64_t requested_ = 0; // guarded by mutex_
    std::uint64_t synced_ = 0;    // guarded by mutex_: the last mark the thread synced
    std::vector<std::pair<std::uint64_t, bool>> results_; // guarded: not yet reported to the loop
    bool stopping_ = false;       // guarded by mutex_
    std::thread thread_;
};

} // namespace cadenza::storage
