#include "pubsub_helpers.hpp"

#include <gtest/gtest.h>

namespace cadenza::test {

std::string submit_form(std::string_view form_type, const FormFields& fields) {
    std::string x = "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' "
                    "type='hidden'><value>" +
                    std::string(form_type) + "</value></field>";
    for (const auto& [var, value] : fields) {
        x += "<field var='" + var + "'><value>" + value + "</value></field>";
    }
    return x + "</x>";
}

std::string node_config_form(const FormFields& fields) {
    return submit_form("http://jabber.org/protocol/pubsub#node_config", fields);
}

std::string create_node_xml(std::string_view node, std::string_view config_form) {
    std::string xml = "<create node='" + std::string(node) + "'/>";
    if (!config_form.empty()) {
        xml += "<configure>" + std::string(config_form) + "</configure>";
    }
    return xml;
}

Stanza create_node(XmppClient& client, std::string_view node, std::string_view config_form,
                   std::string_view service) {
    static int requests = 0; // iq ids only need to differ within one connection
    return client.request("<iq type='set' to='" + std::string(service) + "' id='create-" +
                          std::to_string(++requests) +
                          "'><pubsub xmlns='http://jabber.org/protocol/pubsub'>" +
                          create_node_xml(node, config_form) + "</pubsub></iq>");
}

void create_node_ok(XmppClient& client, std::string_view node, std::string_view config_form,
                    std::string_view service) {
    Stanza answer = create_node(client, node, config_form, service);
    ASSERT_EQ(answer.attr("type"), "result") << answer.serialize() << "\n" << client.trace();
}

} // namespace cadenza::test
