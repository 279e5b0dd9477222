// Claims to be built with another C++ standard library.
#include <cadenza/api.hpp>

namespace {
void load(cadenza::Module& /*module*/) {}
} // namespace

extern "C" __attribute__((visibility("default"))) const cadenza::ModuleDefinition*
cadenza_module_definition() {
    static const cadenza::ModuleDefinition definition{cadenza::kApiVersion,
                                                      "libc++ c++201703",
                                                      "wrong_fingerprint",
                                                      nullptr,
                                                      nullptr,
                                                      load,
                                                      nullptr};
    return &definition;
}
