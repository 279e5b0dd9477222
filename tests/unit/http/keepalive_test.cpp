#include "http/keepalive.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cadenza::http {
namespace {

// Ticks are driven by hand (no event base).
constexpr int kSecond = KeepAlive::kTicksPerSecond;

void ticks(KeepAlive& ka, int n) {
    for (int i = 0; i < n; ++i) {
        ka.tick();
    }
}

struct Fired {
    std::vector<std::string> names;
    static void fire(KeepAlive::Entry& e, void* arg) {
        static_cast<Fired*>(arg)->names.push_back(*static_cast<std::string*>(e.owner));
    }
};

struct Stream {
    explicit Stream(std::string n) : name(std::move(n)) { entry.owner = &name; }
    std::string name;
    KeepAlive::Entry entry;
};

TEST(KeepAlive, FiresOnceAnIntervalPassedAndAgainAfterAnother) {
    Fired fired;
    KeepAlive ka(nullptr, &Fired::fire, &fired);
    Stream a("a");
    ka.add(a.entry, 2);
    ticks(ka, 2 * kSecond);
    EXPECT_TRUE(fired.names.empty());
    ka.tick(); // more than 2 seconds since the add
    EXPECT_EQ(fired.names, std::vector<std::string>{"a"});
    ticks(ka, 2 * kSecond);
    EXPECT_EQ(fired.names.size(), 1u);
    ka.tick();
    EXPECT_EQ(fired.names.size(), 2u);
}

TEST(KeepAlive, TouchPostponesAndOrderFollowsTheLastSend) {
    Fired fired;
    KeepAlive ka(nullptr, &Fired::fire, &fired);
    Stream a("a"), b("b"), c("c");
    ka.add(a.entry, 1);
    ka.add(b.entry, 1);
    ka.add(c.entry, 1);
    ticks(ka, 2);
    ka.touch(a.entry); // a sent something
    ticks(ka, kSecond - 1);
    EXPECT_EQ(fired.names, (std::vector<std::string>{"b", "c"}));
    ka.tick();
    EXPECT_EQ(fired.names, (std::vector<std::string>{"b", "c"}));
    ka.tick();
    EXPECT_EQ(fired.names, (std::vector<std::string>{"b", "c", "a"}));
}

TEST(KeepAlive, IntervalsAreSeparateAndRemoveStops) {
    Fired fired;
    KeepAlive ka(nullptr, &Fired::fire, &fired);
    Stream fast("fast"), slow("slow"), gone("gone");
    ka.add(fast.entry, 1);
    ka.add(slow.entry, 3);
    ka.add(gone.entry, 1);
    EXPECT_EQ(ka.size(), 3u);
    ka.remove(gone.entry);
    ka.remove(gone.entry); // twice is fine
    EXPECT_EQ(ka.size(), 2u);
    ticks(ka, 4 * kSecond);
    EXPECT_EQ(fired.names, (std::vector<std::string>{"fast", "fast", "slow", "fast"}));
}

TEST(KeepAlive, ZeroIntervalIsNotTracked) {
    Fired fired;
    KeepAlive ka(nullptr, &Fired::fire, &fired);
    Stream a("a");
    ka.add(a.entry, 0);
    EXPECT_EQ(ka.size(), 0u);
    ka.touch(a.entry);
    ka.remove(a.entry);
    ticks(ka, 3 * kSecond);
    EXPECT_TRUE(fired.names.empty());
}

TEST(KeepAlive, FireMayRemoveTheEntry) {
    struct Ctx {
        KeepAlive* ka;
        int fires = 0;
    } ctx;
    KeepAlive ka(
        nullptr,
        [](KeepAlive::Entry& e, void* arg) {
            auto* c = static_cast<Ctx*>(arg);
            ++c->fires;
            c->ka->remove(e);
        },
        &ctx);
    ctx.ka = &ka;
    Stream a("a");
    ka.add(a.entry, 1);
    ticks(ka, 3 * kSecond);
    EXPECT_EQ(ctx.fires, 1);
    EXPECT_EQ(ka.size(), 0u);
}

} // namespace
} // namespace cadenza::http
