#include "http/write_pool.hpp"

#include <pthread.h>
#include <signal.h>

namespace cadenza::http {
namespace {

// Items taken at once: small enough to balance the threads, large enough that the shared
// counter is not touched per stream.
constexpr std::size_t kChunk = 16;

} // namespace

WritePool::WritePool(unsigned threads) {
    for (unsigned i = 1; i < threads; ++i) {
        helpers_.emplace_back([this] { helper_main(); });
        pthread_setname_np(helpers_.back().native_handle(), "cadenza-write");
    }
}

WritePool::~WritePool() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    for (std::thread& helper : helpers_) {
        helper.join();
    }
}

void WritePool::run(std::size_t count, const std::function<void(std::size_t)>& job) {
    if (count == 0) {
        return;
    }
    if (helpers_.empty() || count < kMinParallelItems) {
        for (std::size_t i = 0; i < count; ++i) {
            job(i);
        }
        return;
    }
    {
        std::lock_guard lock(mutex_);
        job_ = &job;
        count_ = count;
        next_.store(0, std::memory_order_relaxed);
        ++generation_;
        open_ = true;
    }
    wake_.notify_all();
    work();
    std::unique_lock lock(mutex_);
    open_ = false; // a helper waking from now on finds nothing to do and does not join
    finished_.wait(lock, [this] { return joined_ == 0; });
    job_ = nullptr;
}

void WritePool::work() {
    for (;;) {
        std::size_t first = next_.fetch_add(kChunk, std::memory_order_relaxed);
        if (first >= count_) {
            return;
        }
        std::size_t last = first + kChunk < count_ ? first + kChunk : count_;
        for (std::size_t i = first; i < last; ++i) {
            (*job_)(i);
        }
    }
}

void WritePool::helper_main() {
    // Signals (SIGTERM, SIGHUP...) are the loop thread's business.
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
    std::uint64_t seen = 0;
    std::unique_lock lock(mutex_);
    for (;;) {
        wake_.wait(lock, [&] { return stopping_ || (open_ && generation_ != seen); });
        if (stopping_) {
            return;
        }
        seen = generation_;
        ++joined_;
        lock.unlock();
        work();
        lock.lock();
        if (--joined_ == 0 && !open_) {
            finished_.notify_one();
        }
    }
}

} // namespace cadenza::http
