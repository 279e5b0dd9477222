#include "xml/serializer.hpp"

#include <cadenza/stanza.hpp>

#include <gtest/gtest.h>

#include <string>

namespace cadenza {
namespace {

std::string text(std::string_view value) {
    std::string out;
    xml::append_escaped_text(out, value);
    return out;
}

std::string attribute(std::string_view value) {
    std::string out;
    xml::append_escaped_attribute(out, value);
    return out;
}

TEST(Serializer, EscapesMarkupInText) {
    EXPECT_EQ(text("a & b < c > d \" e ' f"), "a &amp; b &lt; c &gt; d &quot; e ' f");
    EXPECT_EQ(text("]]>"), "]]&gt;");
    EXPECT_EQ(text("line\r\nnext\ttab"), "line&#xD;\nnext\ttab");
}

TEST(Serializer, EscapesMarkupAndWhitespaceInAttributes) {
    EXPECT_EQ(attribute("a & b < c > d \" e ' f"), "a &amp; b &lt; c &gt; d &quot; e &apos; f");
    EXPECT_EQ(attribute("\t\n\r"), "&#x9;&#xA;&#xD;");
}

TEST(Serializer, NeverProducesCharactersXmlForbids) {
    EXPECT_EQ(text(std::string("a\x01z\x1F\x7F", 5)), "a\xEF\xBF\xBDz\xEF\xBF\xBD\x7F");
    EXPECT_EQ(text("\xC3\x28"), "\xEF\xBF\xBD(");                            // truncated sequence
    EXPECT_EQ(text("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                 // overlong
    EXPECT_EQ(text("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // surrogate
    EXPECT_EQ(text("\xEF\xBF\xBE"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"); // U+FFFE
    EXPECT_EQ(text("\xF4\x90\x80\x80").substr(0, 3), "\xEF\xBF\xBD");        // > U+10FFFF
    EXPECT_EQ(text("\xC3\xA9\xE2\x98\xBA\xF0\x9F\x8E\xB5"), "\xC3\xA9\xE2\x98\xBA\xF0\x9F\x8E\xB5");
}

TEST(Serializer, EscapedValuesRoundTripThroughTheParser) {
    const std::string nasty = "& < > \" ' ]]> \t tab\nline\r\ncrlf \xE2\x98\xBA";
    Stanza message = Stanza::make("message", xmlns::kClient);
    message.set_attr("to", nasty);
    message.add_child("body", xmlns::kClient).set_text(nasty);
    const std::string xml = message.serialize();
    std::string error;
    const Stanza again = Stanza::parse(xml, &error);
    ASSERT_TRUE(again) << error << "\n" << xml;
    EXPECT_EQ(again.attr("to"), nasty);
    EXPECT_EQ(again.child_text("body", xmlns::kClient), nasty);
    EXPECT_EQ(again.serialize(), xml);
}

TEST(Serializer, ForbiddenCharactersSetByCodeStillParse) {
    Stanza message = Stanza::make("message", xmlns::kClient);
    message.set_attr("id", std::string("a\x01\x02", 3));
    message.add_child("body", xmlns::kClient).set_text("x\x0By\xFF");
    const std::string xml = message.serialize();
    std::string error;
    const Stanza again = Stanza::parse(xml, &error);
    ASSERT_TRUE(again) << error;
    EXPECT_EQ(again.attr("id"), "a\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_EQ(again.child_text("body", xmlns::kClient), "x\xEF\xBF\xBDy\xEF\xBF\xBD");
}

TEST(Serializer, SkipsCommentsAndWritesDeepTreesWithoutRecursion) {
    Stanza stanza = Stanza::make("deep", "urn:d");
    stanza.node().append_child(pugi::node_comment).set_value("not written");
    pugi::xml_node node = stanza.node();
    for (int i = 0; i < 200000; ++i) {
        node = node.append_child("n");
    }
    node.append_child(pugi::node_pcdata).set_value("leaf");
    const std::string xml = stanza.serialize();
    EXPECT_EQ(xml.substr(0, 25), "<deep xmlns='urn:d'><n><n");
    EXPECT_NE(xml.find("<n>leaf</n></n>"), std::string::npos);
    EXPECT_EQ(xml.find("not written"), std::string::npos);
    EXPECT_EQ(xml.size(), 20 + 200000 * 7 + 4 + 7);
}

} // namespace
} // namespace cadenza
