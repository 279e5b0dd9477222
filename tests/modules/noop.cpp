// Loads, registers one hook, unloads: the loader's happy path.
#include "test_events.hpp"

#include <cadenza/cadenza.hpp>

namespace {

int loads = 0; // one per library: shared by every host that loads it

void load(cadenza::Module& module) {
    int number = ++loads;
    module.observe<cadenza::test::Probe>(
        cadenza::test::kNoopProbe,
        [number](cadenza::test::Probe& probe) { probe.values.push_back(number); });
}

const char* const options[] = {"noop_greeting", nullptr};

} // namespace

CADENZA_MODULE("noop", load, nullptr, nullptr, options)
