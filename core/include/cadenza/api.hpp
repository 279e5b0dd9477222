// The module ABI: what a mod_<name>.so exports and what the core checks before it runs any of
// the module's code beyond the entry point.
//
// A module exports exactly one extern "C" function, `cadenza_module_definition`, returning a
// pointer to a static ModuleDefinition. Use the CADENZA_MODULE macro to define it.
#pragma once

#include <cstdint>

namespace cadenza {

class Module;

// Bumped whenever anything in core/include/cadenza changes in a way that breaks modules built
// against an older copy of the headers. The core refuses a module whose api_version differs.
inline constexpr std::uint32_t kApiVersion = 1;

#define CADENZA_STRINGIFY_INNER(x) #x
#define CADENZA_STRINGIFY(x) CADENZA_STRINGIFY_INNER(x)

// The C++ ABI facts a module must share with the core: the standard library and its string ABI,
// the language standard, and whether AddressSanitizer is compiled in (an instrumented module in
// an uninstrumented server fails at load in obscure ways). Compiler brand does not matter: GCC
// and Clang share the Itanium ABI.
#if defined(_LIBCPP_VERSION)
#define CADENZA_STDLIB "libc++"
#elif defined(_GLIBCXX_USE_CXX11_ABI)
#define CADENZA_STDLIB "libstdc++/cxx11abi=" CADENZA_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#else
#define CADENZA_STDLIB "unknown-stdlib"
#endif
#if defined(__SANITIZE_ADDRESS__)
#define CADENZA_ASAN " asan"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CADENZA_ASAN " asan"
#endif
#endif
#ifndef CADENZA_ASAN
#define CADENZA_ASAN ""
#endif
#define CADENZA_BUILD_FINGERPRINT                                                                 \
    CADENZA_STDLIB " c++" CADENZA_STRINGIFY(__cplusplus) CADENZA_ASAN

// What a module tells the core about itself. Static storage; the core only reads it.
// The first two fields are read before anything else and must keep their place in every API
// version, so that a module from any version can be refused with a clear message.
struct ModuleDefinition {
    std::uint32_t api_version;     // kApiVersion the module was built with
    const char* build_fingerprint; // CADENZA_BUILD_FINGERPRINT the module was built with
    const char* name;              // module name without the mod_ prefix, e.g. "pubsub"
    // Modules loaded on the same host before this one (nullptr-terminated list, or nullptr).
    const char* const* dependencies;
    // Option names the module reads, so `cadenzactl check config` can tell a typo from an
    // option some module uses (nullptr-terminated list, or nullptr).
    const char* const* options;
    // Called once per host the module is loaded on. Throw to refuse loading (the message is
    // logged with the module and host). Everything registered through the Module is released
    // by the core at unload; modules never unhook by hand.
    void (*load)(Module& module);
    // Optional: called before the core releases what the module registered.
    void (*unload)(Module& module);
};

} // namespace cadenza

// The entry point's name, as looked up with dlsym.
#define CADENZA_MODULE_ENTRY_SYMBOL "cadenza_module_definition"

// Defines the module's entry point. Example:
//   CADENZA_MODULE("hello", load, nullptr, nullptr, nullptr);
// expands to an extern "C" function returning a static definition.
#define CADENZA_MODULE(name_, load_, unload_, dependencies_, options_)                            \
    extern "C" __attribute__((visibility("default"))) const ::cadenza::ModuleDefinition*          \
    cadenza_module_definition() {                                                                \
        static const ::cadenza::ModuleDefinition definition{::cadenza::kApiVersion,              \
                                                             CADENZA_BUILD_FINGERPRINT,           \
                                                             name_,                               \
                                                             dependencies_,                       \
                                                             options_,                            \
                                                             load_,                               \
                                                             unload_};                            \
        return &definition;                                                                      \
    }
