// Depends on a module that exists nowhere.
#include <cadenza/cadenza.hpp>

namespace {
void load(cadenza::Module& /*module*/) {}
const char* const dependencies[] = {"does_not_exist", nullptr};
} // namespace

CADENZA_MODULE("missing_dependency", load, nullptr, dependencies, nullptr)
