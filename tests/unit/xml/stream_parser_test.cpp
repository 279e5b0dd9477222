#include "xml/stream_parser.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace cadenza::xml {
namespace {

const std::string stream_header =
    "<?xml version='1.0'?>"
    "<stream:stream to='example.org' from='juliet@example.org' version='1.0' xml:lang='en' "
    "id='c2s-1' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
const std::string stream_close = "</stream:stream>";

// Everything a parser reported, in order.
struct Recorder {
    std::vector<std::string> events;
    std::vector<Stanza> stanzas;
    StreamHeader header;
    std::string condition;
    int errors = 0;

    StreamParser::Callbacks callbacks() {
        StreamParser::Callbacks callbacks;
        callbacks.on_open = [this](const StreamHeader& opened) {
            header = opened;
            events.emplace_back("open");
        };
        callbacks.on_stanza = [this](Stanza stanza) {
            events.push_back(stanza.serialize());
            stanzas.push_back(std::move(stanza));
        };
        callbacks.on_close = [this] { events.emplace_back("close"); };
        callbacks.on_error = [this](std::string_view error, std::string_view text) {
            condition = error;
            ++errors;
            events.push_back("error " + std::string(error) + ": " + std::string(text));
        };
        return callbacks;
    }
};

std::vector<std::string> parse_whole(const std::string& input, StreamLimits limits = {}) {
    Recorder recorder;
    StreamParser parser(recorder.callbacks(), limits);
    parser.feed(input);
    return recorder.events;
}

std::vector<std::string> parse_in_chunks(const std::string& input, std::size_t chunk,
                                         StreamLimits limits = {}) {
    Recorder recorder;
    StreamParser parser(recorder.callbacks(), limits);
    for (std::size_t i = 0; i < input.size(); i += chunk) {
        parser.feed(std::string_view(input).substr(i, chunk));
    }
    return recorder.events;
}

// The condition of the one error `input` produces, fed whole and byte by byte (must agree).
std::string error_of(const std::string& input, StreamLimits limits = {}) {
    Recorder whole;
    StreamParser parser(whole.callbacks(), limits);
    parser.feed(input);
    Recorder bytes;
    StreamParser byte_parser(bytes.callbacks(), limits);
    for (const char c : input) {
        byte_parser.feed(std::string_view(&c, 1));
    }
    EXPECT_EQ(whole.errors, 1) << input;
    EXPECT_EQ(bytes.errors, 1) << input;
    EXPECT_EQ(whole.condition, bytes.condition) << input;
    EXPECT_TRUE(parser.failed());
    return whole.condition;
}

// Literals are split across lines on purpose.
// NOLINTBEGIN(bugprone-suspicious-missing-comma)
const std::vector<std::string> stanza_inputs = {
    "<iq type='set' id='bind_1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
    "<resource>balcony</resource></bind></iq>",
    "<message to='romeo@example.net' type='chat' xml:lang='en'>"
    "<body>Art thou not Romeo, &amp; a Montague? &lt;3 &#x263A; \xE2\x98\xBA \"q\"</body>"
    "<active xmlns='http://jabber.org/protocol/chatstates'/></message>",
    "<iq type='set' id='pub1' to='pubsub.example.org'>"
    "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='princely_musings'>"
    "<item id='ae890'><entry xmlns='http://www.w3.org/2005/Atom'><title>Soliloquy</title>"
    "<link rel='alternate' type='text/html' href='http://denmark.lit/2003/12/13/atom03'/>"
    "</entry></item></publish></pubsub></iq>",
    "<presence>\n  <show>away</show>\n  <c xmlns=\"http://jabber.org/protocol/caps\" "
    "hash=\"sha-1\" node=\"http://gajim.org\" ver=\"q07IKJEyjvHSyhy//CH0CxmKi8w=\"/>\n"
    "<x:data xmlns:x='urn:example:x' x:attr='v'><x:inner/><plain/></x:data></presence>",
    "<message><body><![CDATA[<b>bold</b> & more]]></body></message>",
    "<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
};

const std::vector<std::string> stanza_outputs = {
    "<iq xmlns='jabber:client' type='set' id='bind_1'>"
    "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>balcony</resource></bind></iq>",
    "<message xmlns='jabber:client' to='romeo@example.net' type='chat' xml:lang='en'>"
    "<body>Art thou not Romeo, &amp; a Montague? &lt;3 \xE2\x98\xBA \xE2\x98\xBA &quot;q&quot;"
    "</body><active xmlns='http://jabber.org/protocol/chatstates'/></message>",
    "<iq xmlns='jabber:client' type='set' id='pub1' to='pubsub.example.org'>"
    "<pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='princely_musings'>"
    "<item id='ae890'><entry xmlns='http://www.w3.org/2005/Atom'><title>Soliloquy</title>"
    "<link rel='alternate' type='text/html' href='http://denmark.lit/2003/12/13/atom03'/>"
    "</entry></item></publish></pubsub></iq>",
    "<presence xmlns='jabber:client'>\n  <show>away</show>\n  "
    "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='http://gajim.org' "
    "ver='q07IKJEyjvHSyhy//CH0CxmKi8w='/>\n"
    "<x:data xmlns:x='urn:example:x' x:attr='v'><x:inner/><plain/></x:data></presence>",
    "<message xmlns='jabber:client'><body>&lt;b&gt;bold&lt;/b&gt; &amp; more</body></message>",
    "<stream:error xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
    "<conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>",
};
// NOLINTEND(bugprone-suspicious-missing-comma)

std::string client_stream() {
    std::string stream = stream_header + "\n";
    for (const std::string& stanza : stanza_inputs) {
        stream += stanza + "\n \t\r\n";
    }
    return stream + stream_close;
}

std::vector<std::string> expected_events() {
    std::vector<std::string> events{"open"};
    events.insert(events.end(), stanza_outputs.begin(), stanza_outputs.end());
    events.emplace_back("close");
    return events;
}

TEST(StreamParser, ParsesAClientStreamFedWhole) {
    Recorder recorder;
    StreamParser parser(recorder.callbacks());
    const std::string input = client_stream();
    EXPECT_EQ(parser.feed(input), input.size());
    EXPECT_EQ(recorder.events, expected_events());
    EXPECT_TRUE(parser.closed());
    EXPECT_FALSE(parser.failed());

    EXPECT_EQ(recorder.header.to, "example.org");
    EXPECT_EQ(recorder.header.from, "juliet@example.org");
    EXPECT_EQ(recorder.header.id, "c2s-1");
    EXPECT_EQ(recorder.header.version, "1.0");
    EXPECT_EQ(recorder.header.lang, "en");
    EXPECT_EQ(recorder.header.ns, "http://etherx.jabber.org/streams");
    EXPECT_EQ(recorder.header.prefix, "stream");
    EXPECT_EQ(recorder.header.default_ns, "jabber:client");
    EXPECT_EQ(recorder.header.namespaces.size(), 2U);
}

TEST(StreamParser, ParsesTheSameStreamByteByByte) {
    EXPECT_EQ(parse_in_chunks(client_stream(), 1), expected_events());
}

TEST(StreamParser, ParsesTheSameStreamInRandomChunks) {
    const std::string input = client_stream();
    for (unsigned seed = 1; seed <= 300; ++seed) {
        std::mt19937 random(seed);
        std::uniform_int_distribution<std::size_t> size(1, 97);
        Recorder recorder;
        StreamParser parser(recorder.callbacks());
        for (std::size_t i = 0; i < input.size();) {
            const std::size_t chunk = size(random);
            parser.feed(std::string_view(input).substr(i, chunk));
            i += chunk;
        }
        ASSERT_EQ(recorder.events, expected_events()) << "seed " << seed;
    }
}

TEST(StreamParser, StanzasKeepTheirNamespaces) {
    Recorder recorder;
    StreamParser parser(recorder.callbacks());
    parser.feed(client_stream());
    ASSERT_EQ(recorder.stanzas.size(), stanza_outputs.size());

    const Stanza& pubsub = recorder.stanzas[2];
    EXPECT_EQ(pubsub.name(), "iq");
    EXPECT_EQ(pubsub.ns(), "jabber:client");
    const Element publish = pubsub.child("pubsub", "http://jabber.org/protocol/pubsub")
                                .child("publish", "http://jabber.org/protocol/pubsub");
    EXPECT_EQ(publish.attr("node"), "princely_musings");
    const Element entry = publish.child("item", "http://jabber.org/protocol/pubsub")
                              .child("entry", "http://www.w3.org/2005/Atom");
    EXPECT_EQ(entry.child_text("title", "http://www.w3.org/2005/Atom"), "Soliloquy");

    const Stanza& presence = recorder.stanzas[3];
    const Element data = presence.child("data", "urn:example:x");
    ASSERT_TRUE(data);
    EXPECT_EQ(data.prefix(), "x");
    EXPECT_TRUE(data.child("inner", "urn:example:x"));
    EXPECT_TRUE(data.child("plain", "jabber:client"));
    EXPECT_FALSE(data.child("plain", "urn:example:x"));

    const Stanza& error = recorder.stanzas[5];
    EXPECT_EQ(error.name(), "error");
    EXPECT_EQ(error.ns(), "http://etherx.jabber.org/streams");

    // Each stanza stands on its own: it parses back to the same serialisation.
    for (const Stanza& stanza : recorder.stanzas) {
        std::string why;
        const Stanza again = Stanza::parse(stanza.serialize(), &why);
        ASSERT_TRUE(again) << why;
        EXPECT_EQ(again.serialize(), stanza.serialize());
    }
}

TEST(StreamParser, StanzaRedeclaringTheStreamPrefixKeepsItsOwnBinding) {
    const auto events = parse_whole(stream_header + "<stream:x xmlns:stream='urn:other'><stream:y/>"
                                                    "</stream:x>");
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[1], "<stream:x xmlns='jabber:client' xmlns:stream='urn:other'><stream:y/>"
                         "</stream:x>");
}

TEST(StreamParser, PrefixFromTheStreamUsedOnlyDeepInsideIsDeclaredOnTheTop) {
    const std::string header =
        "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' "
        "xmlns:db='jabber:server:dialback'>";
    const auto events = parse_whole(header + "<message><x db:a='1'><db:result/></x></message>");
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[1], "<message xmlns='jabber:server' xmlns:db='jabber:server:dialback'>"
                         "<x db:a='1'><db:result/></x></message>");
}

TEST(StreamParser, PrefixedStanzaGetsTheStreamDefaultNamespaceToo) {
    const auto events = parse_whole(stream_header + "<x:foo xmlns:x='urn:x'><bar/></x:foo>");
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[1], "<x:foo xmlns='jabber:client' xmlns:x='urn:x'><bar/></x:foo>");
}

TEST(StreamParser, EmptyDefaultNamespaceIsKept) {
    const auto events = parse_whole(stream_header + "<message><x xmlns=''><y/></x></message>");
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[1], "<message xmlns='jabber:client'><x xmlns=''><y/></x></message>");
}

TEST(StreamParser, IgnoresWhitespaceKeepalivesBeyondTheTagLimit) {
    StreamLimits limits;
    limits.max_tag_bytes = 1024;
    std::string input = stream_header;
    input += std::string(100UL * 1024, ' ') + "<presence/>" + std::string(50UL * 1024, '\n');
    const auto events = parse_in_chunks(input, 333, limits);
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[1], "<presence xmlns='jabber:client'/>");
}

TEST(StreamParser, LongTextFedInSmallChunksIsNotMistakenForALongTag) {
    StreamLimits limits;
    limits.max_tag_bytes = 1024;
    const std::string body(200UL * 1024, 'b');
    const auto events = parse_in_chunks(
        stream_header + "<message><body>" + body + "</body></message>", 100, limits);
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[1], "<message xmlns='jabber:client'><body>" + body + "</body></message>");
}

TEST(StreamParser, BytesAfterTheCloseAreNotParsed) {
    Recorder recorder;
    StreamParser parser(recorder.callbacks());
    const std::string input = stream_header + stream_close;
    EXPECT_EQ(parser.feed(input + "<garbage"), input.size());
    EXPECT_EQ(parser.feed("<more/>"), 0U);
    EXPECT_EQ(recorder.events, (std::vector<std::string>{"open", "close"}));
}

// Restricted XML (RFC 6120 §11.1).

TEST(StreamParser, RefusesADoctype) {
    EXPECT_EQ(error_of("<?xml version='1.0'?><!DOCTYPE stream:stream>" + stream_header),
              "restricted-xml");
    EXPECT_EQ(error_of("<!DOCTYPE stream SYSTEM 'http://example.org/x.dtd'>" + stream_header),
              "restricted-xml");
}

TEST(StreamParser, RefusesADoctypeWithAnInternalSubset) {
    EXPECT_EQ(error_of("<!DOCTYPE stream [<!ENTITY x 'y'>]>" + stream_header), "restricted-xml");
}

TEST(StreamParser, BillionLaughsFailsBeforeAnyEntityIsDeclared) {
    std::string input = "<?xml version='1.0'?><!DOCTYPE lolz [<!ENTITY lol 'lol'>";
    const std::size_t first_entity = input.find("<!ENTITY");
    std::string previous = "lol";
    for (int level = 1; level <= 9; ++level) {
        const std::string name = "lol" + std::to_string(level);
        input += "<!ENTITY " + name + " '";
        for (int i = 0; i < 10; ++i) {
            input += "&" + previous + ";";
        }
        input += "'>";
        previous = name;
    }
    input += "]>" + stream_header + "<message><body>&lol9;</body></message>";

    Recorder recorder;
    StreamParser parser(recorder.callbacks());
    const auto start = std::chrono::steady_clock::now();
    const std::size_t used = parser.feed(input);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(recorder.condition, "restricted-xml");
    EXPECT_EQ(recorder.errors, 1);
    EXPECT_LE(used, first_entity); // stopped at the DOCTYPE, not one entity declared
    EXPECT_LT(elapsed, std::chrono::seconds(1));
    EXPECT_EQ(error_of(input), "restricted-xml");
}

TEST(StreamParser, RefusesAProcessingInstructionAfterTheHeader) {
    EXPECT_EQ(error_of(stream_header + "<?evil data?><presence/>"), "restricted-xml");
}

TEST(StreamParser, RefusesCommentsBetweenAndInsideStanzas) {
    EXPECT_EQ(error_of(stream_header + "<presence/><!-- hello --><presence/>"), "restricted-xml");
    EXPECT_EQ(error_of(stream_header + "<message><!-- hello --><body/></message>"),
              "restricted-xml");
    EXPECT_EQ(error_of("<!-- before -->" + stream_header), "restricted-xml");

    Recorder recorder;
    StreamParser parser(recorder.callbacks());
    parser.feed(stream_header + "<presence/><message><!-- c --></message><presence/>");
    EXPECT_EQ(recorder.stanzas.size(), 1U); // the message was not delivered, nothing after it
    EXPECT_EQ(recorder.events.back().rfind("error restricted-xml", 0), 0U);
}

// Malformed XML.

TEST(StreamParser, MalformedXmlIsNotWellFormed) {
    EXPECT_EQ(error_of(stream_header + "<message><body>x</message>"), "not-well-formed");
    EXPECT_EQ(error_of(stream_header + "<message to='a' to='b'/>"), "not-well-formed");
    EXPECT_EQ(error_of(stream_header + "<message to=a/>"), "not-well-formed");
    EXPECT_EQ(error_of(stream_header + "<message><body>&nbsp;</body></message>"),
              "not-well-formed");
    EXPECT_EQ(error_of(stream_header + "<x:message/>"), "not-well-formed"); // unbound prefix
    EXPECT_EQ(error_of(stream_header + "<message></stream:stream>"), "not-well-formed");
    EXPECT_EQ(error_of("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><<"),
              "not-well-formed");
}

TEST(StreamParser, InvalidUtf8IsNotWellFormed) {
    for (const std::string bad :
         {"\xC3\x28", "\xFF", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82"}) {
        EXPECT_EQ(error_of(stream_header + "<message><body>" + bad + "</body></message>"),
                  "not-well-formed")
            << "bytes " << bad;
        EXPECT_EQ(error_of(stream_header + "<message to='" + bad + "'/>"), "not-well-formed");
    }
}

TEST(StreamParser, ForbiddenCharactersAreNotWellFormed) {
    EXPECT_EQ(error_of(stream_header + "<message><body>a\x01z</body></message>"),
              "not-well-formed");
    EXPECT_EQ(error_of(stream_header + "<message to='\x1F'/>"), "not-well-formed");
    EXPECT_EQ(error_of(stream_header + "<message><body>&#1;</body></message>"), "not-well-formed");
    EXPECT_EQ(error_of(stream_header + "<message><body>&#xFFFE;</body></message>"),
              "not-well-formed");
    EXPECT_EQ(error_of(stream_header + std::string("<message><body>a\0z</body></message>", 35)),
              "not-well-formed");
}

// Limits.

std::string message_of_size(std::size_t size) {
    const std::string open = "<message><body>";
    const std::string close = "</body></message>";
    return open + std::string(size - open.size() - close.size(), 'x') + close;
}

TEST(StreamParser, StanzaAtTheSizeLimitPasses) {
    StreamLimits limits;
    limits.max_stanza_bytes = 1000;
    const std::string stanza = message_of_size(1000);
    const auto events = parse_in_chunks(stream_header + stanza + "<presence/>", 7, limits);
    ASSERT_EQ(events.size(), 3U);
    EXPECT_EQ(events[2], "<presence xmlns='jabber:client'/>");
    // Attributes, entities and the start tag count too, as bytes of input.
    const std::string open = "<message to='a&amp;b'><body>";
    const std::string close = "</body></message>";
    const std::string with_attributes =
        open + std::string(1000 - open.size() - close.size(), 'x') + close;
    ASSERT_EQ(with_attributes.size(), 1000U);
    EXPECT_EQ(parse_in_chunks(stream_header + with_attributes, 3, limits).size(), 2U);
}

TEST(StreamParser, StanzaOverTheSizeLimitIsAPolicyViolation) {
    StreamLimits limits;
    limits.max_stanza_bytes = 1000;
    EXPECT_EQ(error_of(stream_header + message_of_size(1001), limits), "policy-violation");
    EXPECT_EQ(error_of(stream_header + "<presence/>" + message_of_size(1001), limits),
              "policy-violation");
    const auto events = parse_in_chunks(stream_header + message_of_size(1001), 7, limits);
    ASSERT_EQ(events.size(), 2U);
    EXPECT_EQ(events[1].rfind("error policy-violation", 0), 0U);
}

TEST(StreamParser, DefaultSizeLimitIs256KiB) {
    const std::size_t limit = 256UL * 1024;
    EXPECT_EQ(parse_in_chunks(stream_header + message_of_size(limit), 4096).size(), 2U);

    Recorder recorder;
    StreamParser parser(recorder.callbacks());
    const std::string input = stream_header + message_of_size(10 * limit);
    std::size_t fed = 0;
    while (fed < input.size() && !parser.stopped()) {
        parser.feed(std::string_view(input).substr(fed, 512));
        fed += 512;
    }
    EXPECT_EQ(recorder.condition, "policy-violation");
    // Noticed as soon as the stanza passed the limit, not at its end.
    EXPECT_LE(fed, stream_header.size() + limit + 512);
}

TEST(StreamParser, HugeStartTagIsRefusedBeforeItIsBuffered) {
    Recorder recorder;
    StreamParser parser(recorder.callbacks());
    const std::string input =
        stream_header + "<message to='" + std::string(1024UL * 1024, 'a') + "'/>";
    std::size_t fed = 0;
    while (fed < input.size() && !parser.stopped()) {
        parser.feed(std::string_view(input).substr(fed, 100));
        fed += 100;
    }
    EXPECT_EQ(recorder.condition, "policy-violation");
    EXPECT_LE(fed, stream_header.size() + StreamLimits{}.max_tag_bytes + 100);
}

// expat rescans an unfinished token on every feed: a long tag sent a byte at a time must not
// cost time quadratic in its length (seconds for 30 KiB), nor be held back once it ends.
TEST(StreamParser, LongTagSentAByteAtATimeIsParsedOnceAndAtItsEnd) {
    // '>' and the other quote inside the value do not end the tag.
    std::string value;
    while (value.size() < 30000) {
        value += "a>b\"c-->d?>e]]>";
    }
    const std::string stanza = "<message to='x@y' id='" + value + "'><body>hi</body></message>";
    Recorder recorder;
    StreamParser parser(recorder.callbacks());
    parser.feed(stream_header);
    const auto begin = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i + 1 < stanza.size(); ++i) {
        EXPECT_EQ(parser.feed(std::string_view(stanza).substr(i, 1)), 1U);
    }
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(1));
    ASSERT_EQ(recorder.events.size(), 1U) << "the stanza is not complete yet";
    parser.feed(">");
    ASSERT_EQ(recorder.events.size(), 2U) << recorder.events.back();
    EXPECT_EQ(recorder.stanzas[0].attr("id"), value);
    EXPECT_EQ(recorder.stanzas[0].child_text("body", "jabber:client"), "hi");
}

TEST(StreamParser, LongTagsInSmallChunksKeepTheirLimits) {
    // Over max_tag_bytes: refused as soon as it is passed, as when fed whole.
    StreamLimits limits;
    limits.max_tag_bytes = 4096;
    Recorder recorder;
    StreamParser parser(recorder.callbacks(), limits);
    parser.feed(stream_header + "<message to='");
    std::size_t fed = 0;
    while (fed < 100000 && !parser.stopped()) {
        parser.feed("a");
        ++fed;
    }
    EXPECT_EQ(recorder.condition, "policy-violation");
    EXPECT_LE(fed, limits.max_tag_bytes);

    // A long tag inside a stanza still counts towards the stanza's size as it arrives.
    StreamLimits small;
    small.max_stanza_bytes = 2000;
    Recorder inner;
    StreamParser stanza_parser(inner.callbacks(), small);
    stanza_parser.feed(stream_header + "<message><body xml:lang='");
    fed = 0;
    while (fed < 100000 && !stanza_parser.stopped()) {
        stanza_parser.feed("b");
        ++fed;
    }
    EXPECT_EQ(inner.condition, "policy-violation");
    EXPECT_LE(fed, small.max_stanza_bytes);

    // Long comments and processing instructions end as they did: restricted.
    for (const std::string& open : {std::string("<!--"), std::string("<?pi ")}) {
        const std::string close = open == "<!--" ? "-->" : "?>";
        EXPECT_EQ(error_of(stream_header + open + std::string(3000, 'c') + "-x?" + close),
                  "restricted-xml");
    }
}

TEST(StreamParser, DocumentEndingInsideALongTagIsNotWellFormed) {
    Recorder recorder;
    StreamParser parser(recorder.callbacks(), {}, StreamParser::Framing::kDocument);
    const std::string input = "<message to='" + std::string(2000, 'a');
    for (const char c : input) {
        parser.feed(std::string_view(&c, 1));
    }
    EXPECT_EQ(recorder.errors, 0);
    parser.finish();
    EXPECT_EQ(recorder.condition, "not-well-formed");
}

TEST(StreamParser, DeepNestingIsAPolicyViolationWithoutRecursion) {
    std::string deep = stream_header + "<message>";
    for (int i = 0; i < 10000; ++i) {
        deep += "<a>";
    }
    EXPECT_EQ(error_of(deep), "policy-violation");

    std::string allowed = "<message>";
    for (int i = 1; i < 64; ++i) {
        allowed += "<a>";
    }
    for (int i = 1; i < 64; ++i) {
        allowed += "</a>";
    }
    allowed += "</message>";
    EXPECT_EQ(parse_whole(stream_header + allowed).size(), 2U);
    EXPECT_EQ(error_of(stream_header + "<message><a>" + allowed.substr(9) + "</a>"),
              "policy-violation");
}

TEST(StreamParser, TooManyAttributesIsAPolicyViolation) {
    std::string element = "<presence";
    for (int i = 0; i < 65; ++i) {
        element += " a" + std::to_string(i) + "='v'";
    }
    EXPECT_EQ(error_of(stream_header + element + "/>"), "policy-violation");
}

// The stream element itself.

TEST(StreamParser, WrongStreamNamespaceIsInvalidNamespace) {
    EXPECT_EQ(error_of("<stream:stream xmlns:stream='urn:wrong' xmlns='jabber:client'>"),
              "invalid-namespace");
    EXPECT_EQ(error_of("<stream xmlns='jabber:client'>"), "invalid-namespace");
    EXPECT_EQ(error_of("<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"),
              "invalid-namespace");
    EXPECT_EQ(error_of("<message/>"), "invalid-namespace");
}

TEST(StreamParser, TextBetweenStanzasIsBadFormat) {
    EXPECT_EQ(error_of(stream_header + "<presence/>hello<presence/>"), "bad-format");
}

TEST(StreamParser, OnlyUtf8IsAccepted) {
    EXPECT_EQ(error_of("<?xml version='1.0' encoding='ISO-8859-1'?>" + stream_header),
              "unsupported-encoding");
    EXPECT_EQ(parse_whole("<?xml version='1.0' encoding='utf-8'?>" + stream_header).size(), 1U);
}

TEST(StreamParser, NoCallbackAfterAnError) {
    Recorder recorder;
    StreamParser parser(recorder.callbacks());
    parser.feed(stream_header + "<presence/><<");
    parser.feed("<presence/>" + stream_close);
    EXPECT_EQ(recorder.events.size(), 3U);
    EXPECT_EQ(recorder.errors, 1);
    EXPECT_TRUE(parser.stopped());
}

// Restarts and control from callbacks.

TEST(StreamParser, ResetFromAStanzaCallbackRestartsTheStream) {
    Recorder recorder;
    StreamParser::Callbacks callbacks = recorder.callbacks();
    StreamParser* self = nullptr;
    callbacks.on_stanza = [&](Stanza stanza) {
        recorder.events.push_back(stanza.serialize());
        if (stanza.name() == "starttls") {
            self->reset();
        }
    };
    StreamParser parser(std::move(callbacks));
    self = &parser;

    const std::string before =
        stream_header + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
    // Plaintext after <starttls/> in the same read must never be parsed (command injection).
    EXPECT_EQ(parser.feed(before + "<message><body>injected</body></message>"), before.size());
    EXPECT_FALSE(parser.stopped());
    EXPECT_FALSE(parser.header_received());

    const std::string restart =
        "<?xml version='1.0'?><stream:stream to='example.org' version='1.0' "
        "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>";
    for (const char c : restart + "<presence/>" + stream_close) {
        parser.feed(std::string_view(&c, 1));
    }
    EXPECT_EQ(recorder.events, (std::vector<std::string>{
                                   "open", "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>",
                                   "open", "<presence xmlns='jabber:client'/>", "close"}));
}

TEST(StreamParser, ResetOutsideACallbackIsImmediate) {
    Recorder recorder;
    StreamParser parser(recorder.callbacks());
    parser.feed(stream_header + "<message><body>half");
    parser.reset();
    parser.feed(stream_header + "<presence/>");
    EXPECT_EQ(recorder.events,
              (std::vector<std::string>{"open", "open", "<presence xmlns='jabber:client'/>"}));
}

TEST(StreamParser, ResetAfterAnErrorStartsClean) {
    Recorder recorder;
    StreamParser parser(recorder.callbacks());
    parser.feed(stream_header + "<<");
    EXPECT_TRUE(parser.failed());
    parser.reset();
    EXPECT_FALSE(parser.failed());
    parser.feed(stream_header + "<presence/>");
    EXPECT_EQ(recorder.events.back(), "<presence xmlns='jabber:client'/>");
}

TEST(StreamParser, StopFromTheOpenCallbackSilencesTheRest) {
    Recorder recorder;
    StreamParser::Callbacks callbacks = recorder.callbacks();
    StreamParser* self = nullptr;
    callbacks.on_open = [&](const StreamHeader& header) {
        recorder.events.push_back("open " + header.to);
        self->stop();
    };
    StreamParser parser(std::move(callbacks));
    self = &parser;
    const std::string header = stream_header;
    EXPECT_EQ(parser.feed(header + "<presence/>" + stream_close), header.size());
    EXPECT_EQ(recorder.events, (std::vector<std::string>{"open example.org"}));
    EXPECT_TRUE(parser.stopped());
    EXPECT_FALSE(parser.failed());
}

TEST(StreamParser, ExceptionFromACallbackIsRethrownByFeed) {
    StreamParser::Callbacks callbacks;
    int stanzas = 0;
    callbacks.on_stanza = [&](Stanza) {
        ++stanzas;
        throw std::runtime_error("handler failed");
    };
    StreamParser parser(std::move(callbacks));
    EXPECT_THROW(parser.feed(stream_header + "<presence/><presence/>"), std::runtime_error);
    EXPECT_EQ(stanzas, 1);
    EXPECT_TRUE(parser.stopped());
    EXPECT_EQ(parser.feed("<presence/>"), 0U);

    StreamParser::Callbacks throwing;
    throwing.on_error = [](std::string_view, std::string_view) {
        throw std::runtime_error("error handler failed");
    };
    StreamParser failing(std::move(throwing));
    EXPECT_THROW(failing.feed(stream_header + "<<"), std::runtime_error);
    EXPECT_TRUE(failing.failed());
}

TEST(StreamParser, FeedFromACallbackIsRefused) {
    StreamParser::Callbacks callbacks;
    StreamParser* self = nullptr;
    callbacks.on_open = [&](const StreamHeader&) { self->feed("<presence/>"); };
    StreamParser parser(std::move(callbacks));
    self = &parser;
    EXPECT_THROW(parser.feed(stream_header), std::logic_error);
}

} // namespace
} // namespace cadenza::xml
