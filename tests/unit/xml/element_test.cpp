#include <cadenza/stanza.hpp>

#include <gtest/gtest.h>

#include <string>

namespace cadenza {
namespace {

Stanza parsed(const std::string& xml) {
    std::string error;
    Stanza stanza = Stanza::parse(xml, &error);
    EXPECT_TRUE(stanza) << error;
    return stanza;
}

TEST(Element, ResolvesDefaultAndPrefixedNamespaces) {
    const Stanza stanza = parsed("<iq xmlns='jabber:client' xmlns:p='urn:p'>"
                                 "<p:query><item/><p:item/></p:query>"
                                 "<other xmlns='urn:o'><p:deep xmlns:p='urn:p2'/></other></iq>");
    const Element query = stanza.child("query", "urn:p");
    ASSERT_TRUE(query);
    EXPECT_EQ(query.name(), "query");
    EXPECT_EQ(query.prefix(), "p");
    EXPECT_EQ(query.ns(), "urn:p");
    EXPECT_EQ(query.child("item", "jabber:client").ns(), "jabber:client");
    EXPECT_EQ(query.children("item", "urn:p").size(), 1U);
    EXPECT_EQ(query.children().size(), 2U);
    EXPECT_FALSE(stanza.child("query", "jabber:client"));
    EXPECT_FALSE(stanza.child("p:query", "urn:p")); // names are local

    const Element deep = stanza.child("other", "urn:o").child("deep", "urn:p2");
    ASSERT_TRUE(deep);
    EXPECT_EQ(deep.lookup_ns(""), "urn:o");
    EXPECT_EQ(deep.lookup_ns("p"), "urn:p2");
    EXPECT_EQ(deep.parent().parent().lookup_ns("p"), "urn:p");
    EXPECT_EQ(deep.lookup_ns("xml"), "http://www.w3.org/XML/1998/namespace");
    EXPECT_EQ(deep.lookup_ns("unbound"), "");
}

TEST(Element, PrefixedTopElement) {
    const Stanza stanza = parsed("<x:foo xmlns:x='urn:x' x:a='1' b='2'><x:bar/><baz/></x:foo>");
    EXPECT_EQ(stanza.name(), "foo");
    EXPECT_EQ(stanza.root().prefix(), "x");
    EXPECT_EQ(stanza.ns(), "urn:x");
    EXPECT_EQ(stanza.attr("b"), "2");
    EXPECT_EQ(stanza.attr("x:a"), "1");
    EXPECT_TRUE(stanza.child("bar", "urn:x"));
    EXPECT_TRUE(stanza.child("baz", ""));
    EXPECT_EQ(stanza.serialize(), "<x:foo xmlns:x='urn:x' x:a='1' b='2'><x:bar/><baz/></x:foo>");
}

TEST(Element, TextAndChildText) {
    const Stanza message = parsed("<message xmlns='jabber:client' xml:lang='en'>"
                                  "<body>one <b xmlns='urn:b'>two</b> three</body></message>");
    const Element body = message.child("body", "jabber:client");
    EXPECT_EQ(body.text(), "one  three");
    EXPECT_EQ(message.child_text("body", "jabber:client"), "one  three");
    EXPECT_EQ(message.child_text("subject", "jabber:client"), "");
    EXPECT_EQ(message.attr("xml:lang"), "en");
    EXPECT_EQ(body.first_child().name(), "b");
}

TEST(Element, SetTextReplacesOnlyText) {
    Stanza message = parsed("<message xmlns='jabber:client'>a<x xmlns='urn:x'/>b</message>");
    message.set_text("new");
    EXPECT_EQ(message.serialize(),
              "<message xmlns='jabber:client'><x xmlns='urn:x'/>new</message>");
    message.set_text("");
    EXPECT_EQ(message.serialize(), "<message xmlns='jabber:client'><x xmlns='urn:x'/></message>");
}

TEST(Element, AddChildDeclaresOnlyWhenTheNamespaceChanges) {
    Stanza iq = Stanza::make("iq", xmlns::kClient);
    Element pubsub = iq.add_child("pubsub", "http://jabber.org/protocol/pubsub");
    pubsub.add_child("publish", "http://jabber.org/protocol/pubsub").set_attr("node", "n");
    iq.add_child("plain", "");
    EXPECT_EQ(iq.serialize(), "<iq xmlns='jabber:client'><pubsub xmlns='http://jabber.org/protocol/"
                              "pubsub'><publish node='n'/></pubsub><plain xmlns=''/></iq>");
    EXPECT_EQ(iq.child("plain", "").ns(), "");
}

TEST(Element, RemoveChild) {
    Stanza iq = parsed("<iq xmlns='jabber:client'><a/><b/></iq>");
    const Element a = iq.child("a", xmlns::kClient);
    EXPECT_TRUE(iq.root().remove_child(a));
    EXPECT_FALSE(iq.root().remove_child(Element()));
    EXPECT_EQ(iq.serialize(), "<iq xmlns='jabber:client'><b/></iq>");
}

TEST(Element, SerializingAChildDeclaresWhatItInherits) {
    const Stanza iq =
        parsed("<iq xmlns='jabber:client' xmlns:a='urn:atom'>"
               "<pubsub xmlns='http://jabber.org/protocol/pubsub'><item id='1'>"
               "<a:entry><a:title>T</a:title><plain/></a:entry></item></pubsub></iq>");
    const Element item = iq.child("pubsub", "http://jabber.org/protocol/pubsub")
                             .child("item", "http://jabber.org/protocol/pubsub");
    const Element entry = item.child("entry", "urn:atom");
    ASSERT_TRUE(entry);
    const std::string xml = entry.serialize();
    EXPECT_EQ(xml, "<a:entry xmlns='http://jabber.org/protocol/pubsub' xmlns:a='urn:atom'>"
                   "<a:title>T</a:title><plain/></a:entry>");
    // It has the same meaning on its own.
    const Stanza alone = parsed(xml);
    EXPECT_EQ(alone.ns(), "urn:atom");
    EXPECT_TRUE(alone.child("plain", "http://jabber.org/protocol/pubsub"));
}

TEST(Element, AppendCopyKeepsTheMeaningOfTheCopiedTree) {
    const Stanza source = parsed("<iq xmlns='jabber:client' xmlns:a='urn:atom'>"
                                 "<wrap xmlns='urn:w'><a:entry><plain/></a:entry></wrap></iq>");
    const Element entry = source.child("wrap", "urn:w").child("entry", "urn:atom");
    Stanza message = Stanza::make("message", xmlns::kClient);
    Element event = message.add_child("event", "http://jabber.org/protocol/pubsub#event");
    const Element copy = event.append_copy(entry);
    EXPECT_EQ(copy.ns(), "urn:atom");
    EXPECT_TRUE(copy.child("plain", "urn:w"));
    EXPECT_EQ(copy.serialize(), "<a:entry xmlns='urn:w' xmlns:a='urn:atom'><plain/></a:entry>");

    // A tree without a default namespace copied under one gets xmlns=''.
    const Stanza bare = parsed("<x><y/></x>");
    const Element copied = message.append_copy(bare.root());
    EXPECT_EQ(copied.ns(), "");
    EXPECT_TRUE(copied.child("y", ""));
}

} // namespace
} // namespace cadenza
