// Writes the event streams of one loop turn on several threads at once (fork/join).
//
// A fan-out to N streams ends in N sendmsg() calls, and on loopback or a fast NIC the kernel's
// TCP work in them costs far more than everything Cadenza does per delivery (docs/performance.md).
// The loop thread hands that batch to the pool, takes a share itself and returns when every
// share is written. The helpers only call sendmsg() on sockets the loop thread owns and keeps
// open meanwhile: no libevent, module or stream state is touched off the loop thread, so the
// rest of the server stays single-threaded.
//
// A helper that is not scheduled in time costs nothing: the loop thread writes what is left
// and waits only for helpers that already took a share.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace cadenza::http {

class WritePool {
public:
    // `threads` counts the calling (loop) thread: 1 means no helper threads.
    explicit WritePool(unsigned threads);
    ~WritePool();
    WritePool(const WritePool&) = delete;
    WritePool& operator=(const WritePool&) = delete;

    unsigned threads() const { return static_cast<unsigned>(helpers_.size()) + 1; }

    // Calls job(i) once for each i in [0, count), spread over the threads, and returns when
    // every call returned. Loop thread only; `job` must be safe to call from any thread.
    void run(std::size_t count, const std::function<void(std::size_t)>& job);

    // Below this many items, waking a helper costs more than it saves.
    static constexpr std::size_t kMinParallelItems = 32;

private:
    void helper_main();
    // Takes items of the current batch in small chunks until none are left.
    void work();

    std::mutex mutex_;
    std::condition_variable wake_;     // helpers: a batch arrived, or stop
    std::condition_variable finished_; // loop thread: every helper that joined is done
    std::uint64_t generation_ = 0;     // counts batches; a helper joins each at most once
    bool open_ = false;                // the batch takes new helpers
    bool stopping_ = false;
    unsigned joined_ = 0;              // helpers working on the batch

    const std::function<void(std::size_t)>* job_ = nullptr;
    std::size_t count_ = 0;
    std::atomic<std::size_t> next_{0};

    std::vector<std::thread> helpers_;
};

} // namespace cadenza::http
