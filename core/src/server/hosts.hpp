// Builds the Host objects of the enabled hosts in the config.
#pragma once

#include "server/server_context.hpp"

#include <string>
#include <vector>

namespace cadenza {

// Adds every enabled host to context.hosts, in config order. A Component without a module is
// skipped and described in `problems`.
void build_hosts(ServerContext& context, std::vector<std::string>& problems);

// The names of the enabled VirtualHosts, in config order (certificate lookup uses the first).
std::vector<std::string> virtual_host_names(const ServerContext& context);

} // namespace cadenza
