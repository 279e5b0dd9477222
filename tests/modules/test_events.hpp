// Events the test modules hook or fire, so the module manager tests can observe them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cadenza::test {

// Host bus, notify. noop answers with the number of the load that registered the hook (the
// count lives in the library, so two hosts sharing one library see consecutive numbers).
inline constexpr std::string_view kNoopProbe = "test-noop-probe";
// Host bus, dispatch. consumer fills `reply` with the provider's greeting for `who`.
inline constexpr std::string_view kGreet = "test-greet";
// Host and global bus: hooked by failing_load before it throws (must never run).
inline constexpr std::string_view kFailing = "test-failing";
// Host bus, notify: fired by ticker's timers.
inline constexpr std::string_view kTick = "test-tick";

struct Probe {
    std::vector<int> values;
};

struct GreetRequest {
    std::string who;
    std::string reply;
};

} // namespace cadenza::test
