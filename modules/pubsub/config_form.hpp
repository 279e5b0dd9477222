// Node configuration as XEP-0060 data forms: the owner's pubsub#node_config form (get/set,
// create-and-configure, default), publish-options preconditions and the pubsub#meta-data form
// of a node's disco#info.
#pragma once

#include "data_form.hpp"
#include "node.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cadenza::pubsub_module {

inline constexpr std::string_view kNodeConfigFormType =
    "http://jabber.org/protocol/pubsub#node_config";
inline constexpr std::string_view kPublishOptionsFormType =
    "http://jabber.org/protocol/pubsub#publish-options";
inline constexpr std::string_view kMetaDataFormType = "http://jabber.org/protocol/pubsub#meta-data";

// Appends the node_config form (type 'form') showing `config` to `parent`.
void add_config_form(Element parent, const NodeConfig& config, std::int64_t max_items_limit);

// Applies the known fields of a submitted form to `config`. Unknown fields are ignored (clients
// send fields of other servers); a known field with an invalid value is an error, returned
// as text for a not-acceptable reply. "max" for pubsub#max_items means `max_items_limit`.
std::optional<std::string> apply_config_form(const SubmittedForm& form, NodeConfig& config,
                                             std::int64_t max_items_limit);

// XEP-0060 §7.1.5: does the node's configuration satisfy every known field of the
// publish-options form? An invalid value is a precondition that cannot be met.
bool preconditions_met(const SubmittedForm& form, const NodeConfig& config,
                       std::int64_t max_items_limit);

// Appends the pubsub#meta-data form (type 'result') describing `node`.
void add_meta_data_form(Element parent, const NodeState& node);

// "2024-05-01T12:00:00Z" (XEP-0082) for seconds since the epoch.
std::string xep82_datetime(std::int64_t seconds);

} // namespace cadenza::pubsub_module
