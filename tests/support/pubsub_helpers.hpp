// Pubsub requests the tests share: creating a node (optionally configured) on a pubsub service
// through an XmppClient, and the data forms that configure one.
#pragma once

#include "xmpp_client.hpp"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cadenza::test {

using FormFields = std::vector<std::pair<std::string, std::string>>;

// <x xmlns='jabber:x:data' type='submit'> with the hidden FORM_TYPE `form_type`, then `fields`
// in order.
std::string submit_form(std::string_view form_type, const FormFields& fields);
// submit_form for pubsub#node_config.
std::string node_config_form(const FormFields& fields);

// <create node='{node}'/>, followed by <configure>{config_form}</configure> when a form is given
// (the inside of a <pubsub/> request).
std::string create_node_xml(std::string_view node, std::string_view config_form = {});

// Asks `service` to create `node` (configured by `config_form` when given) and returns the
// answer; an empty Stanza when none came in time.
Stanza create_node(XmppClient& client, std::string_view node, std::string_view config_form = {},
                   std::string_view service = "pubsub.localhost");
// create_node, failing the test (fatally: wrap it in ASSERT_NO_FATAL_FAILURE) unless the answer
// is a result.
void create_node_ok(XmppClient& client, std::string_view node, std::string_view config_form = {},
                    std::string_view service = "pubsub.localhost");

} // namespace cadenza::test
