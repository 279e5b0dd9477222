// The option names Cadenza itself reads, and the Prosody options it accepts and ignores, kept in
// one place so `cadenzactl check config` can tell an unused or mistyped option from a real one.
#pragma once

#include <string_view>

namespace cadenza::config {

// Read by the core (and documented in docs/configuration.md).
bool is_core_option(std::string_view name);
// Prosody options that mean nothing to Cadenza; accepted silently (listed at debug level).
bool is_ignored_prosody_option(std::string_view name);

} // namespace cadenza::config
