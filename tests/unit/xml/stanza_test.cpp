#include <cadenza/stanza.hpp>

#include <gtest/gtest.h>

#include <string>
#include <utility>

namespace cadenza {
namespace {

TEST(Stanza, MakeBuildsAnElementInItsNamespace) {
    Stanza iq = Stanza::make("iq", xmlns::kClient);
    iq.set_attr("type", "get").set_attr("id", "p1");
    iq.add_child("ping", "urn:xmpp:ping");
    EXPECT_EQ(iq.name(), "iq");
    EXPECT_EQ(iq.ns(), "jabber:client");
    EXPECT_EQ(iq.attr("type"), "get");
    EXPECT_EQ(iq.serialize(),
              "<iq xmlns='jabber:client' type='get' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>");
}

TEST(Stanza, SetAttrReplacesAndRemoveAttrRemoves) {
    Stanza message = Stanza::make("message", xmlns::kClient);
    message.set_attr("to", "a@example.org");
    message.set_attr("to", "b@example.org");
    EXPECT_EQ(message.attr("to"), "b@example.org");
    message.remove_attr("to");
    EXPECT_FALSE(message.has_attr("to"));
    EXPECT_EQ(message.attr("to"), "");
    EXPECT_EQ(message.serialize(), "<message xmlns='jabber:client'/>");
}

TEST(Stanza, EmptyStanzaIsHarmless) {
    Stanza empty;
    EXPECT_FALSE(empty);
    EXPECT_EQ(empty.name(), "");
    EXPECT_EQ(empty.serialize(), "");
    EXPECT_FALSE(empty.add_child("x", "urn:x"));
    EXPECT_FALSE(empty.clone());
}

TEST(Stanza, CloneIsDeepAndMoveKeepsHandles) {
    Stanza original = Stanza::make("message", xmlns::kClient);
    Element body = original.add_child("body", xmlns::kClient).set_text("hi");
    Stanza copy = original.clone();
    copy.child("body", xmlns::kClient).set_text("changed");
    EXPECT_EQ(original.child_text("body", xmlns::kClient), "hi");
    EXPECT_EQ(copy.child_text("body", xmlns::kClient), "changed");

    Stanza moved = std::move(original);
    body.set_text("still valid");
    EXPECT_EQ(moved.child_text("body", xmlns::kClient), "still valid");
}

TEST(Stanza, ParseRoundTrips) {
    const std::string xml = "<iq xmlns='jabber:client' type='result' id='x'>"
                            "<query xmlns='jabber:iq:version'><name>Cadenza</name></query></iq>";
    std::string error;
    const Stanza iq = Stanza::parse(xml, &error);
    ASSERT_TRUE(iq) << error;
    EXPECT_EQ(iq.serialize(), xml);
    EXPECT_EQ(iq.child("query", "jabber:iq:version").child_text("name", "jabber:iq:version"),
              "Cadenza");
}

TEST(Stanza, ParseRefusesWhatTheStreamRefuses) {
    std::string error;
    EXPECT_FALSE(Stanza::parse("<!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>", &error));
    EXPECT_EQ(error.rfind("restricted-xml", 0), 0U) << error;
    EXPECT_FALSE(Stanza::parse("<x><!-- c --></x>", &error));
    EXPECT_EQ(error.rfind("restricted-xml", 0), 0U) << error;
    EXPECT_FALSE(Stanza::parse("<x><y></x>", &error));
    EXPECT_EQ(error.rfind("not-well-formed", 0), 0U) << error;
    EXPECT_FALSE(Stanza::parse("<x/><y/>", &error));
    EXPECT_FALSE(Stanza::parse("<x>", &error));
    EXPECT_FALSE(Stanza::parse("", &error));
    EXPECT_FALSE(error.empty());
    EXPECT_TRUE(Stanza::parse("  <x/>\n"));
}

TEST(Stanza, ErrorReplyToAnIq) {
    const Stanza request = Stanza::parse(
        "<iq xmlns='jabber:client' type='get' id='disco1' from='romeo@example.net/orchard' "
        "to='example.org'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
    ASSERT_TRUE(request);
    const Stanza reply = make_error_reply(request, "cancel", "item-not-found");
    EXPECT_EQ(reply.serialize(),
              "<iq xmlns='jabber:client' id='disco1' type='error' to='romeo@example.net/orchard' "
              "from='example.org'><error type='cancel'>"
              "<item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
    const Element error = reply.child("error", xmlns::kClient);
    ASSERT_TRUE(error);
    EXPECT_EQ(error.attr("type"), "cancel");
    EXPECT_TRUE(error.child("item-not-found", xmlns::kStanzas));
}

TEST(Stanza, ErrorReplyWithTextAndWithoutAddresses) {
    Stanza request = Stanza::make("message", xmlns::kServer);
    request.set_attr("to", "juliet@example.org");
    const Stanza reply = make_error_reply(request, "wait", "resource-constraint", "slow & <down>");
    EXPECT_EQ(
        reply.serialize(),
        "<message xmlns='jabber:server' type='error' from='juliet@example.org'>"
        "<error type='wait'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
        "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>slow &amp; &lt;down&gt;</text>"
        "</error></message>");
    EXPECT_FALSE(reply.has_attr("to"));
    EXPECT_FALSE(reply.has_attr("id"));
    EXPECT_EQ(reply.child("error", xmlns::kServer).child_text("text", xmlns::kStanzas),
              "slow & <down>");
}

} // namespace
} // namespace cadenza
