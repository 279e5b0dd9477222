// Timers: one ticks three times then stops, one throws, one waits an hour (until unload).
#include "test_events.hpp"

#include <cadenza/cadenza.hpp>

#include <stdexcept>

namespace {

using std::chrono::milliseconds;

void load(cadenza::Module& module) {
    auto ticks = std::make_shared<int>(0);
    module.add_timer(milliseconds(1), [&module, ticks]() -> std::optional<milliseconds> {
        cadenza::test::Probe probe{{++*ticks}};
        module.notify(cadenza::test::kTick, probe);
        if (*ticks == 3) {
            return std::nullopt;
        }
        return milliseconds(1);
    });
    module.add_timer(milliseconds(0), []() -> std::optional<milliseconds> {
        throw std::runtime_error("deliberate timer failure");
    });
    module.add_timer(std::chrono::hours(1), [] { return std::optional<milliseconds>(); });
}

} // namespace

CADENZA_MODULE("ticker", load, nullptr, nullptr, nullptr)
