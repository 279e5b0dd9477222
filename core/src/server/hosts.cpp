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

std::vector<std::string> virtual_host_names(const ServerContext& context) {
    std::vector<std::string> names;
    for (const auto& host : context.hosts) {
        if (host->kind == config::SectionKind::kVirtualHost) {
            names.push_back(host->name);
        }
    }
    return names;
}

} // namespace cadenza
