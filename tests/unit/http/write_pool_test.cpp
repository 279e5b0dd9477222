#include "http/write_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

namespace cadenza::http {
namespace {

TEST(WritePoolTest, EveryItemRunsExactlyOnceOverManyBatches) {
    WritePool pool(3);
    EXPECT_EQ(pool.threads(), 3u);
    std::set<std::thread::id> threads_seen;
    std::mutex seen_mutex;
    for (std::size_t count : {1000u, 33u, 5000u, 64u, 1u, 0u, 2048u}) {
        for (int round = 0; round < 50; ++round) {
            std::vector<std::atomic<int>> hits(count);
            pool.run(count, [&](std::size_t i) {
                hits[i].fetch_add(1, std::memory_order_relaxed);
                std::lock_guard lock(seen_mutex);
                threads_seen.insert(std::this_thread::get_id());
            });
            // run() returned: every call finished, and its effects are visible here.
            for (std::size_t i = 0; i < count; ++i) {
                ASSERT_EQ(hits[i].load(std::memory_order_relaxed), 1) << "item " << i;
            }
        }
    }
    EXPECT_TRUE(threads_seen.count(std::this_thread::get_id()) == 1);
    EXPECT_LE(threads_seen.size(), 3u);
}

TEST(WritePoolTest, SmallBatchesStayOnTheCallingThread) {
    WritePool pool(4);
    std::vector<std::thread::id> ran_on(WritePool::kMinParallelItems - 1);
    pool.run(ran_on.size(), [&](std::size_t i) { ran_on[i] = std::this_thread::get_id(); });
    for (const auto& id : ran_on) {
        EXPECT_EQ(id, std::this_thread::get_id());
    }
}

TEST(WritePoolTest, OneThreadMeansNoHelpers) {
    WritePool pool(1);
    EXPECT_EQ(pool.threads(), 1u);
    std::vector<std::thread::id> ran_on(500);
    pool.run(ran_on.size(), [&](std::size_t i) { ran_on[i] = std::this_thread::get_id(); });
    for (const auto& id : ran_on) {
        EXPECT_EQ(id, std::this_thread::get_id());
    }
}

// Helpers that are busy elsewhere (here: not yet scheduled) must not hold up a batch the loop
// thread can finish alone, and a helper woken late must not run items of a finished batch.
TEST(WritePoolTest, BatchesFollowEachOtherWithoutLosingOrRepeatingItems) {
    WritePool pool(2);
    std::atomic<long> total{0};
    constexpr int kBatches = 2000;
    for (int b = 0; b < kBatches; ++b) {
        pool.run(40, [&](std::size_t) { total.fetch_add(1, std::memory_order_relaxed); });
        ASSERT_EQ(total.load(), 40L * (b + 1));
    }
}

} // namespace
} // namespace cadenza::http
