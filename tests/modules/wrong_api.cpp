// Claims a module API version this server does not have.
#include <cadenza/api.hpp>

namespace {
void load(cadenza::Module& /*module*/) {}
} // namespace

extern "C" __attribute__((visibility("default"))) const cadenza::ModuleDefinition*
cadenza_module_definition() {
    static const cadenza::ModuleDefinition definition{
        999, CADENZA_BUILD_FINGERPRINT, "wrong_api", nullptr, nullptr, load, nullptr};
    return &definition;
}
