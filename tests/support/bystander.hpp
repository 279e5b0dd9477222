// The well-behaved client the abuse tests (hostile_input, tls_abuse) keep alive while they throw
// things at the server, to show that nobody else is harmed.
#pragma once

#include "xmpp_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace cadenza::test {

// Logs alice in (password "secret", resource "bystander") over STARTTLS trusting `ca_file`,
// and creates the pubsub node "watch" on pubsub.localhost for her to publish to. Fails the
// test (fatally) if either does not work.
inline void connect_bystander(int c2s_port, const std::string& ca_file,
                              std::unique_ptr<XmppClient>& alice) {
    XmppClientOptions options;
    options.ca_file = ca_file;
    options.resource = "bystander";
    alice = std::make_unique<XmppClient>(c2s_port, "alice@localhost", "secret", options);
    XmppConnectResult login = alice->connect();
    ASSERT_TRUE(login) << login.error << alice->trace();
    Stanza created = alice->request(
        "<iq type='set' to='pubsub.localhost' id='create'><pubsub "
        "xmlns='http://jabber.org/protocol/pubsub'><create node='watch'/></pubsub></iq>");
    ASSERT_EQ(created.attr("type"), "result") << alice->trace();
}

} // namespace cadenza::test
