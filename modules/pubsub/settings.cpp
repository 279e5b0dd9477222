#include "settings.hpp"

#include <cadenza/jid.hpp>

#include <algorithm>

namespace cadenza::pubsub_module {

const char* const kOptionNames[] = {"pubsub_admins",
                                    "admins",
                                    "restrict_node_creation",
                                    "autocreate_on_publish",
                                    "expose_publisher",
                                    "pubsub_max_items",
                                    "pubsub_default_max_items",
                                    "pubsub_max_payload_size",
                                    "name",
                                    nullptr};

Settings read_settings(const Options& options, const Logger& log) {
    Settings s;
    for (const char* option : {"pubsub_admins", "admins"}) {
        for (const std::string& entry : options.get_list(option)) {
            auto jid = Jid::parse(entry);
            if (!jid || !jid->resource().empty() || jid->node().empty()) {
                log.warn("ignoring '", entry, "' in ", option, ": not a bare user JID");
                continue;
            }
            s.admins.insert(jid->str());
        }
    }
    s.restrict_node_creation = options.get_bool("restrict_node_creation", false);
    s.autocreate_on_publish = options.get_bool("autocreate_on_publish", false);
    s.expose_publisher = options.get_bool("expose_publisher", false);
    s.max_items_limit = options.get_int("pubsub_max_items", 256, 1, 1000000);
    s.node_defaults.max_items =
        options.get_int("pubsub_default_max_items", std::min<std::int64_t>(20, s.max_items_limit),
                        0, s.max_items_limit);
    s.max_payload_size = static_cast<std::size_t>(
        options.get_int("pubsub_max_payload_size", 256LL * 1024, 64, 16LL * 1024 * 1024));
    s.disco_name = options.get_string("name", "Cadenza PubSub Service");
    return s;
}

} // namespace cadenza::pubsub_module
