// cycle_a and cycle_b depend on each other.
#include <cadenza/cadenza.hpp>

namespace {
void load(cadenza::Module& /*module*/) {}
const char* const dependencies[] = {"cycle_a", nullptr};
} // namespace

CADENZA_MODULE("cycle_b", load, nullptr, dependencies, nullptr)
