// Builds the Host objects of the enabled hosts in the config.
#pragma once

#include "server/server_context.hpp"

#include <string>
#include <vector>

namespace cadenza {

// Adds every enabled host to context.hosts, in config order. A Component without a module is
// skipped and described in `problems`.
void build_hosts(ServerContext& context, std::vector<std::string>& problems);

} // namespace cadenza
