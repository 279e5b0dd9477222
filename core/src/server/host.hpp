// One configured, enabled host: a VirtualHost or a Component, with its options and hook bus.
#pragma once

#include "config/config.hpp"
#include "xmpp/disco_registry.hpp"

#include <cadenza/hooks.hpp>
#include <cadenza/log.hpp>

#include <string>

namespace cadenza {

struct Host {
    Host(const config::Section& section, const config::Section& global)
        : name(section.name), kind(section.kind), component_module(section.component_module),
          options(&section, global), events("host " + section.name), log(section.name) {}

    std::string name;
    config::SectionKind kind;
    std::string component_module; // for a Component: the module named on its line
    config::SectionOptions options;
    HookBus events;
    Logger log; // tagged with the host name
    xmpp::DiscoRegistry disco;
};

} // namespace cadenza
