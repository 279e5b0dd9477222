// A file named mod_wrong_name.so that defines another module.
#include <cadenza/cadenza.hpp>

namespace {
void load(cadenza::Module& /*module*/) {}
} // namespace

CADENZA_MODULE("something_else", load, nullptr, nullptr, nullptr)
