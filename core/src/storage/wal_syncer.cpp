#include "wal_syncer.hpp"

#include <cadenza/log.hpp>
#include <cadenza/storage.hpp>

#include <event2/event.h>
#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace cadenza::storage {
namespace {

const Logger kLog("storage");

// Past this size the WAL is copied back into the database file (SQLite's own default is
// 1,000 pages, ~4 MiB).
constexpr off_t kCheckpointBytes = 4 * 1024 * 1024;

std::string errno_text() { return std::strerror(errno); }

} // namespace

WalSyncer::WalSyncer(const std::string& database_path, struct event_base* loop,
                     Durable on_durable)
    : on_durable_(std::move(on_durable)) {
    // The loop's connection is open, so SQLite keeps the -wal file until it closes.
    std::string wal = database_path + "-wal";
    wal_fd_ = ::open(wal.c_str(), O_RDONLY | O_CLOEXEC);
    if (wal_fd_ < 0) {
        throw StorageError("cannot open " + wal + " to sync it: " + errno_text(), SQLITE_CANTOPEN);
    }
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int rc = sqlite3_open_v2(database_path.c_str(), &checkpointer_,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
    if (wake_fd_ < 0 || rc != SQLITE_OK) {
        std::string why = wake_fd_ < 0 ? "eventfd: " + errno_text() : sqlite3_errstr(rc);
        sqlite3_close(checkpointer_);
        if (wake_fd_ >= 0) {
            ::close(wake_fd_);
        }
        ::close(wal_fd_);
        throw StorageError("cannot start the WAL sync thread: " + why, rc);
    }
    wake_event_ = event_new(
        loop, wake_fd_, EV_READ | EV_PERSIST,
        [](evutil_socket_t, short, void* self) {
            static_cast<WalSyncer*>(self)->drain_notifications();
        },
        this);
    event_add(wake_event_, nullptr);
    thread_ = std::thread([this] { run(); });
}

WalSyncer::~WalSyncer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wanted_.notify_one();
    thread_.join();
    event_free(wake_event_);
    sqlite3_close(checkpointer_);
    ::close(wake_fd_);
    ::close(wal_fd_);
}

void WalSyncer::request(std::uint64_t mark) {
    {
        std::lock_guard lock(mutex_);
        if (mark <= requested_) {
            return;
        }
        requested_ = mark;
    }
    wanted_.notify_one();
}

bool WalSyncer::sync_now() {
    if (::fdatasync(wal_fd_) == 0) {
        return true;
    }
    kLog.error("cannot sync the database's write-ahead log to disk: ", errno_text(),
               "; recent changes may not survive a power loss");
    return false;
}

void WalSyncer::run() {
    std::unique_lock lock(mutex_);
    for (;;) {
        wanted_.wait(lock, [this] { return stopping_ || requested_ > synced_; });
        if (requested_ == synced_) {
            return; // stopping, nothing left to sync
        }
        std::uint64_t mark = requested_;
        lock.unlock();
        // Every commit made before request(mark) has written its frames: one fdatasync
        // covers them all, however many loop turns they came from.
        bool ok = sync_now();
        checkpoint_if_large();
        lock.lock();
        synced_ = mark;
        results_.emplace_back(mark, ok);
        notify_loop();
    }
}

void WalSyncer::checkpoint_if_large() {
    struct stat st{};
    if (::fstat(wal_fd_, &st) != 0 || st.st_size < kCheckpointBytes) {
        return;
    }
    // PASSIVE never takes the write lock: the loop keeps committing meanwhile. The next
    // writer restarts the WAL from its beginning once everything is copied back.
    int rc = sqlite3_wal_checkpoint_v2(checkpointer_, nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                       nullptr, nullptr);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
        kLog.warn("WAL checkpoint failed: ", sqlite3_errmsg(checkpointer_));
    }
}

void WalSyncer::notify_loop() {
    std::uint64_t one = 1;
    // The counter only needs to become non-zero; EAGAIN means it already is.
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);
}

void WalSyncer::drain_notifications() {
    std::uint64_t count = 0;
    [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof count);
    std::vector<std::pair<std::uint64_t, bool>> results;
    {
        std::lock_guard lock(mutex_);
        results.swap(results_);
    }
    for (auto [mark, ok] : results) {
        on_durable_(mark, ok);
    }
}

} // namespace cadenza::storage
