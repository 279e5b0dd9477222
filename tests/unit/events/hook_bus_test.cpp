#include "log/log_sinks.hpp"

#include <cadenza/hooks.hpp>

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace cadenza {
namespace {

struct Trace {
    std::vector<std::string> ran;
};

struct Other {
    int value = 0;
};

// Records the log lines written while it lives.
class LogCapture {
public:
    LogCapture() {
        logging::set_capture([this](LogLevel level, std::string_view tag, std::string_view msg) {
            lines_.push_back({level, std::string(tag), std::string(msg)});
        });
    }
    ~LogCapture() { logging::set_capture({}); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    struct Line {
        LogLevel level;
        std::string tag;
        std::string message;
    };
    bool contains(LogLevel level, std::string_view needle) const {
        for (const auto& l : lines_) {
            if (l.level == level && l.message.find(needle) != std::string::npos) {
                return true;
            }
        }
        return false;
    }

private:
    std::vector<Line> lines_;
};

HookId record(HookBus& bus, const std::string& label, int priority,
              HookResult result = HookResult::kPass) {
    return bus.add<Trace>(
        "ev",
        [label, result](Trace& t) {
            t.ran.push_back(label);
            return result;
        },
        priority, label);
}

TEST(HookBus, HigherPriorityRunsFirst) {
    HookBus bus("test");
    record(bus, "low", hook_priority::kLow);
    record(bus, "first", hook_priority::kFirst);
    record(bus, "default", hook_priority::kDefault);
    record(bus, "last", hook_priority::kLast);
    record(bus, "high", hook_priority::kHigh);
    Trace t;
    EXPECT_EQ(bus.notify("ev", t), 5U);
    EXPECT_EQ(t.ran, (std::vector<std::string>{"first", "high", "default", "low", "last"}));
}

TEST(HookBus, EqualPrioritiesRunInRegistrationOrder) {
    HookBus bus("test");
    for (int i = 0; i < 20; ++i) {
        record(bus, std::to_string(i), i % 2 == 0 ? 5 : -5);
    }
    Trace t;
    bus.notify("ev", t);
    std::vector<std::string> expected;
    for (int i = 0; i < 20; i += 2) {
        expected.push_back(std::to_string(i));
    }
    for (int i = 1; i < 20; i += 2) {
        expected.push_back(std::to_string(i));
    }
    EXPECT_EQ(t.ran, expected);
}

TEST(HookBus, DispatchStopsAtFirstHandled) {
    LogCapture log;
    HookBus bus("host example.org");
    record(bus, "a", 10);
    record(bus, "b", 5, HookResult::kHandled);
    record(bus, "c", 0);
    Trace t;
    EXPECT_TRUE(bus.dispatch("ev", t));
    EXPECT_EQ(t.ran, (std::vector<std::string>{"a", "b"}));
    EXPECT_TRUE(
        log.contains(LogLevel::kDebug, "event 'ev' on host example.org handled by module b"));
}

TEST(HookBus, DispatchWithoutHandlerReturnsFalse) {
    HookBus bus("test");
    record(bus, "a", 0);
    Trace t;
    EXPECT_FALSE(bus.dispatch("ev", t));
    EXPECT_EQ(t.ran.size(), 1U);
    EXPECT_FALSE(bus.dispatch("nobody-hooked-this", t));
}

TEST(HookBus, NotifyIgnoresHandled) {
    HookBus bus("test");
    record(bus, "a", 10, HookResult::kHandled);
    record(bus, "b", 0, HookResult::kHandled);
    Trace t;
    EXPECT_EQ(bus.notify("ev", t), 2U);
    EXPECT_EQ(t.ran, (std::vector<std::string>{"a", "b"}));
}

TEST(HookBus, ObserveRunsAndNeverStops) {
    HookBus bus("test");
    int seen = 0;
    bus.observe<Other>("o", [&](Other& o) { seen += o.value; });
    bus.add<Other>(
        "o", [&](Other&) { return HookResult::kHandled; }, hook_priority::kLow);
    Other o{3};
    EXPECT_TRUE(bus.dispatch("o", o));
    EXPECT_EQ(seen, 3);
}

TEST(HookBus, HandlerRemovingItselfDuringFire) {
    HookBus bus("test");
    int runs = 0;
    HookId self = 0;
    self = bus.add<Trace>("ev", [&](Trace& t) {
        ++runs;
        t.ran.push_back("self");
        EXPECT_TRUE(bus.remove(self));
        return HookResult::kPass;
    });
    record(bus, "after", -1);
    Trace t;
    EXPECT_EQ(bus.notify("ev", t), 2U);
    EXPECT_EQ(t.ran, (std::vector<std::string>{"self", "after"}));
    Trace t2;
    bus.notify("ev", t2);
    EXPECT_EQ(runs, 1);
    EXPECT_EQ(t2.ran, (std::vector<std::string>{"after"}));
}

TEST(HookBus, HandlerRemovedByAnotherDuringFireDoesNotRun) {
    HookBus bus("test");
    HookId victim = 0;
    bus.add<Trace>(
        "ev",
        [&](Trace& t) {
            t.ran.push_back("killer");
            EXPECT_TRUE(bus.remove(victim));
            return HookResult::kPass;
        },
        10);
    victim = record(bus, "victim", 0);
    record(bus, "survivor", -10);
    Trace t;
    EXPECT_EQ(bus.notify("ev", t), 2U);
    EXPECT_EQ(t.ran, (std::vector<std::string>{"killer", "survivor"}));
    EXPECT_EQ(bus.handler_count("ev"), 2U);
}

TEST(HookBus, HandlerAddedDuringFireRunsFromNextFire) {
    HookBus bus("test");
    bool added = false;
    bus.add<Trace>(
        "ev",
        [&](Trace& t) {
            t.ran.push_back("adder");
            if (!added) {
                added = true;
                record(bus, "late-high", 100); // would run first if it joined this fire
                record(bus, "late-low", -100);
            }
            return HookResult::kPass;
        },
        0);
    Trace t;
    EXPECT_EQ(bus.notify("ev", t), 1U);
    EXPECT_EQ(t.ran, (std::vector<std::string>{"adder"}));
    Trace t2;
    EXPECT_EQ(bus.notify("ev", t2), 3U);
    EXPECT_EQ(t2.ran, (std::vector<std::string>{"late-high", "adder", "late-low"}));
}

TEST(HookBus, NestedFireSeesCurrentHandlers) {
    HookBus bus("test");
    int depth = 0;
    bus.add<Trace>("ev", [&](Trace& t) {
        t.ran.push_back("outer" + std::to_string(depth));
        if (depth++ == 0) {
            Trace inner;
            bus.notify("ev", inner);
            t.ran.insert(t.ran.end(), inner.ran.begin(), inner.ran.end());
        }
        return HookResult::kPass;
    });
    Trace t;
    bus.notify("ev", t);
    EXPECT_EQ(t.ran, (std::vector<std::string>{"outer0", "outer1"}));
}

TEST(HookBus, PayloadTypeMismatchThrows) {
    HookBus bus("host example.org");
    record(bus, "a", 0);
    try {
        bus.add<Other>("ev", [](Other&) { return HookResult::kPass; });
        FAIL() << "expected std::logic_error";
    } catch (const std::logic_error& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("'ev'"), std::string::npos) << what;
        EXPECT_NE(what.find("cadenza::(anonymous namespace)::Trace"), std::string::npos) << what;
        EXPECT_NE(what.find("cadenza::(anonymous namespace)::Other"), std::string::npos) << what;
    }
    Other o;
    EXPECT_THROW(bus.notify("ev", o), std::logic_error);
    EXPECT_THROW(bus.dispatch("ev", o), std::logic_error);
    EXPECT_EQ(bus.handler_count("ev"), 1U);
}

TEST(HookBus, TypeStaysWithTheNameAfterTheLastHandlerIsRemoved) {
    HookBus bus("test");
    HookId id = record(bus, "a", 0);
    EXPECT_TRUE(bus.remove(id));
    EXPECT_FALSE(bus.has_handlers("ev"));
    Other o;
    EXPECT_THROW(bus.notify("ev", o), std::logic_error);
}

TEST(HookBus, ExceptionsAreIsolatedAndLogged) {
    LogCapture log;
    HookBus bus("global");
    bus.add<Trace>(
        "ev", [](Trace&) -> HookResult { throw std::runtime_error("boom"); }, 10, "bad");
    bus.add<Trace>(
        "ev", [](Trace&) -> HookResult { throw 42; }, 5, "worse");
    record(bus, "good", 0);
    Trace t;
    EXPECT_EQ(bus.notify("ev", t), 3U);
    EXPECT_EQ(t.ran, (std::vector<std::string>{"good"}));
    EXPECT_TRUE(log.contains(LogLevel::kError, "module bad for event 'ev' on global failed: boom"));
    EXPECT_TRUE(log.contains(LogLevel::kError, "module worse"));

    // A throwing handler does not count as handling a dispatch.
    Trace t2;
    EXPECT_FALSE(bus.dispatch("ev", t2));
    EXPECT_EQ(t2.ran, (std::vector<std::string>{"good"}));
}

TEST(HookBus, CountsAndRemoval) {
    HookBus bus("test");
    EXPECT_FALSE(bus.has_handlers("ev"));
    EXPECT_EQ(bus.handler_count("ev"), 0U);
    HookId a = record(bus, "a", 0);
    HookId b = record(bus, "b", 0);
    EXPECT_NE(a, b);
    EXPECT_TRUE(bus.has_handlers("ev"));
    EXPECT_EQ(bus.handler_count("ev"), 2U);
    EXPECT_TRUE(bus.remove(a));
    EXPECT_FALSE(bus.remove(a));
    EXPECT_FALSE(bus.remove(987654));
    EXPECT_EQ(bus.handler_count("ev"), 1U);
    EXPECT_TRUE(bus.remove(b));
    EXPECT_FALSE(bus.has_handlers("ev"));
    Trace t;
    EXPECT_EQ(bus.notify("ev", t), 0U);
}

TEST(HookBus, EventsAreIndependent) {
    HookBus bus("test");
    int x = 0;
    int y = 0;
    bus.observe<Other>("x", [&](Other&) { ++x; });
    bus.observe<Other>("y", [&](Other&) { ++y; });
    Other o;
    bus.notify("x", o);
    bus.notify("x", o);
    bus.notify("y", o);
    EXPECT_EQ(x, 2);
    EXPECT_EQ(y, 1);
    // Lookups take string_views of any origin.
    std::string name = "x";
    EXPECT_EQ(bus.handler_count(std::string_view(name)), 1U);
}

TEST(HookBus, PayloadIsPassedByReference) {
    HookBus bus("test");
    bus.observe<Other>("o", [](Other& o) { o.value *= 2; });
    bus.observe<Other>(
        "o", [](Other& o) { o.value += 1; }, hook_priority::kLow);
    Other o{5};
    bus.notify("o", o);
    EXPECT_EQ(o.value, 11);
}

} // namespace
} // namespace cadenza
