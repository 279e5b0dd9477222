// mod_pubsub's options, read once in load (see README.md for each one).
#pragma once

#include <cadenza/config.hpp>
#include <cadenza/log.hpp>
#include <cadenza/services/pubsub.hpp>

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

namespace cadenza::pubsub_module {

struct Settings {
    // Bare JIDs with owner rights on every node: pubsub_admins plus admins.
    std::set<std::string, std::less<>> admins;
    // Only admins may create nodes (default: any user of a local VirtualHost may).
    bool restrict_node_creation = false;
    // Publishing to a missing node creates it (Prosody's option).
    bool autocreate_on_publish = false;
    // Add the publisher's bare JID to notifications (Prosody's option).
    bool expose_publisher = false;
    // The largest pubsub#max_items a node may have (Prosody's pubsub_max_items).
    std::int64_t max_items_limit = 256;
    // The largest payload accepted, in bytes of serialised XML.
    std::size_t max_payload_size = 256 * 1024;
    // The service's disco#info identity name.
    std::string disco_name = "Cadenza PubSub Service";
    // The configuration new nodes start from.
    pubsub::NodeConfig node_defaults;
};

// Reads and checks the options (throws ConfigError for wrong types); `log` warns about admin
// entries that are not JIDs.
Settings read_settings(const Options& options, const Logger& log);

// Option names, for the module definition.
extern const char* const kOptionNames[];

} // namespace cadenza::pubsub_module
