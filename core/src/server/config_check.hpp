// `cadenzactl check config`: everything the server would refuse or ignore, found without
// starting it. Problems make the check fail; warnings (unused Prosody options, unknown names)
// do not.
#pragma once

#include <string>
#include <vector>

namespace cadenza {

struct CheckReport {
    std::vector<std::string> problems;
    std::vector<std::string> warnings;
};

// Evaluates the config and checks it. A config that does not evaluate is one problem.
CheckReport check_config_file(const std::string& path);

} // namespace cadenza
