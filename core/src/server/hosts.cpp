#include "server/hosts.hpp"

namespace cadenza {

void build_hosts(ServerContext& context, std::vector<std::string>& problems) {
    for (const auto& section : context.config.hosts) {
        if (!section.enabled()) {
            continue;
        }
        if (section.kind == config::SectionKind::kComponent && section.component_module.empty()) {
            problems.push_back("Component '" + section.name + "' (" + section.where.str() +
                               ") names no module; external components are not supported; "
                               "write Component \"" + section.name + "\" \"<module>\"");
            continue;
        }
        context.hosts.push_back(std::make_unique<Host>(section, context.config.global));
    }
}

} // namespace cadenza
