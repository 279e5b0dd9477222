// placeholder: being written
#include <cadenza/cadenza.hpp>

#include <stdexcept>

namespace {
void load(cadenza::Module&) { throw std::runtime_error("mod_muc is not built yet"); }
} // namespace

CADENZA_MODULE("muc", load, nullptr, nullptr, nullptr)
