#include <cadenza/jid.hpp>

#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

namespace cadenza {
namespace {

std::string full_of(std::string_view text) {
    auto jid = Jid::parse(text);
    return jid ? jid->full() : "<invalid>";
}

TEST(Jid, SplitsIntoParts) {
    auto jid = Jid::parse("juliet@example.com/balcony");
    ASSERT_TRUE(jid);
    EXPECT_EQ(jid->node(), "juliet");
    EXPECT_EQ(jid->domain(), "example.com");
    EXPECT_EQ(jid->resource(), "balcony");
    EXPECT_FALSE(jid->is_bare());
    EXPECT_FALSE(jid->is_domain());
    EXPECT_EQ(jid->bare().full(), "juliet@example.com");
    EXPECT_TRUE(jid->bare().is_bare());
    EXPECT_EQ(jid->str(), "juliet@example.com/balcony");

    auto domain = Jid::parse("example.com");
    ASSERT_TRUE(domain);
    EXPECT_TRUE(domain->is_domain());
    EXPECT_TRUE(domain->is_bare());
}

// RFC 7622 §3.5, examples 1-15: valid there and valid here.
TEST(Jid, Rfc7622ValidExamples) {
    EXPECT_EQ(full_of("juliet@example.com"), "juliet@example.com");
    EXPECT_EQ(full_of("juliet@example.com/foo"), "juliet@example.com/foo");
    EXPECT_EQ(full_of("juliet@example.com/foo bar"), "juliet@example.com/foo bar");
    EXPECT_EQ(full_of("juliet@example.com/foo@bar"), "juliet@example.com/foo@bar");
    EXPECT_EQ(full_of("foo\\20bar@example.com"), "foo\\20bar@example.com");
    EXPECT_EQ(full_of("fussball@example.com"), "fussball@example.com");
    EXPECT_EQ(full_of("π@example.com"), "π@example.com");
    EXPECT_EQ(full_of("king@example.com/♚"), "king@example.com/♚");
    EXPECT_EQ(full_of("example.com"), "example.com");
    EXPECT_EQ(full_of("example.com/foobar"), "example.com/foobar");
    auto jid = Jid::parse("a.example.com/b@example.net");
    ASSERT_TRUE(jid);
    EXPECT_EQ(jid->node(), "");
    EXPECT_EQ(jid->domain(), "a.example.com");
    EXPECT_EQ(jid->resource(), "b@example.net");
}

// The same examples where stringprep (RFC 6122) case-folds or maps where PRECIS would keep.
TEST(Jid, Rfc7622ExamplesMappedByStringprep) {
    EXPECT_EQ(full_of("fußball@example.com"), "fussball@example.com");
    EXPECT_EQ(full_of("Σ@example.com/foo"), "σ@example.com/foo");
    EXPECT_EQ(full_of("σ@example.com/foo"), "σ@example.com/foo");
    EXPECT_EQ(full_of("ς@example.com/foo"), "σ@example.com/foo");
}

// RFC 7622 §3.5, examples 16-23. Two are valid under stringprep: Nodeprep maps the roman
// numeral to "iv" and allows the chess symbol; we apply RFC 6122, as Prosody does.
TEST(Jid, Rfc7622InvalidExamples) {
    EXPECT_FALSE(Jid::parse("\"juliet\"@example.com"));
    EXPECT_FALSE(Jid::parse("foo bar@example.com"));
    EXPECT_FALSE(Jid::parse("juliet@example.com/"));
    EXPECT_FALSE(Jid::parse("@example.com/"));
    EXPECT_FALSE(Jid::parse("juliet@"));
    EXPECT_FALSE(Jid::parse("/foobar"));
    EXPECT_EQ(full_of("henry\u2163@example.com"), "henryiv@example.com");
    EXPECT_EQ(full_of("\u265A@example.com"), "\u265A@example.com");
}

TEST(Jid, EmptyPartsAreInvalid) {
    EXPECT_FALSE(Jid::parse(""));
    EXPECT_FALSE(Jid::parse("@example.com"));
    EXPECT_FALSE(Jid::parse("example.com/"));
    EXPECT_FALSE(Jid::parse("a@/r"));
    EXPECT_FALSE(Jid::parse("a@b/"));
    // Maps to nothing under Nodeprep (soft hyphen), so the prepared node is empty.
    EXPECT_FALSE(Jid::parse("\u00AD@example.com"));
}

TEST(Jid, NodeProhibitedCharacters) {
    for (const char* bad : {"a&b", "a'b", "a:b", "a<b", "a>b", "a b", "a\"b"}) {
        EXPECT_FALSE(Jid::parse(std::string(bad) + "@example.com")) << bad;
        // The same characters are fine in a resource.
        EXPECT_TRUE(Jid::parse("a@example.com/" + std::string(bad))) << bad;
    }
    // The first '@' ends the node, so a second one lands in the domain, which refuses it.
    EXPECT_FALSE(Jid::parse("a@b@example.com"));
}

TEST(Jid, CaseFolding) {
    auto jid = Jid::parse("Node@EXAMPLE.com/Resource");
    ASSERT_TRUE(jid);
    EXPECT_EQ(jid->full(), "node@example.com/Resource");
    EXPECT_EQ(*Jid::parse("JULIET@Example.COM"), *Jid::parse("juliet@example.com"));
    EXPECT_NE(*Jid::parse("a@example.com/R"), *Jid::parse("a@example.com/r"));
}

TEST(Jid, InvalidUtf8) {
    EXPECT_FALSE(Jid::parse("\xff@example.com"));
    EXPECT_FALSE(Jid::parse("a@example.com/\xc0\xaf"));         // overlong '/'
    EXPECT_FALSE(Jid::parse("a\xed\xa0\x80@example.com"));      // UTF-16 surrogate
    EXPECT_FALSE(Jid::parse("a@example.com/\xf4\x90\x80\x80")); // above U+10FFFF
    EXPECT_FALSE(Jid::parse("a@example.com/\xe2\x82"));         // truncated sequence
    EXPECT_FALSE(Jid::parse("ex\xc3\x41mple.com"));             // lead byte without continuation
    EXPECT_FALSE(Jid::parse(std::string_view("a\0b@example.com", 15)));
    EXPECT_FALSE(Jid::parse(std::string_view("a@example.com/r\0", 16)));
}

TEST(Jid, ProhibitedCodePoints) {
    EXPECT_FALSE(Jid::parse("a\x01@example.com"));          // ASCII control
    EXPECT_FALSE(Jid::parse("a@example.com/r\x7f"));        // DEL
    EXPECT_FALSE(Jid::parse("a\uE000@example.com"));        // private use
    EXPECT_FALSE(Jid::parse("a@example.com/\uE000"));       // private use
    EXPECT_FALSE(Jid::parse("a@example.com/r\uFFFD"));      // replacement character
    EXPECT_FALSE(Jid::parse("a@example.com/\xef\xbf\xbe")); // non-character U+FFFE
    EXPECT_FALSE(Jid::parse("a\u200E@example.com"));        // left-to-right mark
    EXPECT_FALSE(Jid::parse("\u0221@example.com"));         // unassigned in Unicode 3.2
    EXPECT_FALSE(Jid::parse("a@example.com/\u0221"));       // unassigned in Unicode 3.2
    EXPECT_FALSE(Jid::parse("a@ex\u0221mple.com"));         // unassigned in Unicode 3.2
    EXPECT_FALSE(Jid::parse("\u05D0a@example.com"));        // bidi: RandAL mixed with L
    EXPECT_TRUE(Jid::parse("\u05D0\u05D1@example.com"));    // bidi: RandAL only
}

TEST(Jid, LengthLimitsAfterPreparation) {
    std::string max(kJidPartMaxBytes, 'a');
    std::string over(kJidPartMaxBytes + 1, 'a');
    EXPECT_TRUE(Jid::parse(max + "@example.com"));
    EXPECT_FALSE(Jid::parse(over + "@example.com"));
    EXPECT_TRUE(Jid::parse("a@example.com/" + max));
    EXPECT_FALSE(Jid::parse("a@example.com/" + over));

    // 16 labels of 63 bytes and 15 dots: exactly 1023 bytes.
    std::string label(63, 'd');
    std::string domain = label;
    for (int i = 1; i < 16; ++i) {
        domain += "." + label;
    }
    ASSERT_EQ(domain.size(), kJidPartMaxBytes);
    EXPECT_TRUE(Jid::parse("a@" + domain));
    EXPECT_FALSE(Jid::parse("a@x" + domain));

    // The limit counts prepared bytes: U+2163 (3 bytes) becomes "IV" (2 bytes) in a resource.
    std::string numerals;
    for (int i = 0; i < 400; ++i) {
        numerals += "\u2163";
    }
    ASSERT_GT(numerals.size(), kJidPartMaxBytes);
    auto jid = Jid::parse("a@example.com/" + numerals);
    ASSERT_TRUE(jid);
    EXPECT_EQ(jid->resource().size(), 800u);
}

TEST(Jid, DomainLabels) {
    EXPECT_TRUE(Jid::parse(std::string(63, 'x') + ".example.com"));
    EXPECT_FALSE(Jid::parse(std::string(64, 'x') + ".example.com"));
    EXPECT_FALSE(Jid::parse("a..example.com"));
    EXPECT_FALSE(Jid::parse(".example.com"));
    EXPECT_FALSE(Jid::parse("-a.example.com"));
    EXPECT_FALSE(Jid::parse("a-.example.com"));
    EXPECT_FALSE(Jid::parse("a_b.example.com"));
    EXPECT_FALSE(Jid::parse("a b.example.com"));
    EXPECT_TRUE(Jid::parse("a-b.example.com"));
    EXPECT_TRUE(Jid::parse("localhost"));
}

TEST(Jid, TrailingDot) {
    EXPECT_EQ(full_of("juliet@example.com./r"), "juliet@example.com/r");
    EXPECT_EQ(*Jid::parse("example.com."), *Jid::parse("example.com"));
    EXPECT_FALSE(Jid::parse("example.com.."));
    EXPECT_FALSE(Jid::parse("."));
    EXPECT_FALSE(Jid::parse("a@."));
}

TEST(Jid, InternationalisedDomain) {
    // Nameprep folds case and keeps the Unicode form.
    EXPECT_EQ(full_of("user@BÜCHER.example"), "user@bücher.example");
    EXPECT_EQ(*Jid::parse("user@Bücher.example"), *Jid::parse("user@bücher.example"));
    // Ideographic full stop separates labels as in IDNA.
    EXPECT_EQ(full_of("user@bücher\u3002example"), "user@bücher.example");
    // Full-width letters are mapped to ASCII.
    EXPECT_EQ(full_of("\uFF45xample.com"), "example.com");
    // Label length counts the ACE form: 40 × "ü" is 80 bytes of UTF-8 but a short
    // "xn--" label; 60 of them make an ACE label longer than 63.
    std::string label;
    for (int i = 0; i < 40; ++i) {
        label += "ü";
    }
    EXPECT_TRUE(Jid::parse("user@" + label + ".example"));
    std::string long_label;
    for (int i = 0; i < 60; ++i) {
        long_label += "ü";
    }
    EXPECT_FALSE(Jid::parse("user@" + long_label + ".example"));
}

TEST(Jid, IpLiterals) {
    EXPECT_EQ(full_of("user@192.0.2.1/r"), "user@192.0.2.1/r");
    EXPECT_EQ(full_of("user@[2001:DB8::1]/r"), "user@[2001:db8::1]/r");
    EXPECT_EQ(full_of("[2001:db8:0:0:0:0:0:1]"), "[2001:db8::1]");
    EXPECT_EQ(full_of("[::ffff:192.0.2.1]"), "[::ffff:192.0.2.1]");
    EXPECT_FALSE(Jid::parse("user@[2001:db8::g]"));
    EXPECT_FALSE(Jid::parse("user@[192.0.2.1]"));
    EXPECT_FALSE(Jid::parse("user@[2001:db8::1"));
    EXPECT_FALSE(Jid::parse("user@2001:db8::1"));
    EXPECT_FALSE(Jid::parse("user@[]"));
}

TEST(Jid, FromParts) {
    auto jid = Jid::from_parts("Juliet", "Example.com", "Balcony");
    ASSERT_TRUE(jid);
    EXPECT_EQ(jid->full(), "juliet@example.com/Balcony");
    EXPECT_EQ(Jid::from_parts("", "example.com")->full(), "example.com");
    EXPECT_FALSE(Jid::from_parts("a", ""));
    EXPECT_FALSE(Jid::from_parts("a@b", "example.com"));
    EXPECT_EQ(prepare_node("JULIET"), "juliet");
    EXPECT_EQ(prepare_resource("Res"), "Res");
    EXPECT_EQ(prepare_domain("EXAMPLE.com."), "example.com");
    EXPECT_FALSE(prepare_node(""));
    EXPECT_FALSE(prepare_resource(""));
}

TEST(Jid, HashAndOrder) {
    std::unordered_set<Jid> set;
    set.insert(*Jid::parse("a@example.com/r"));
    set.insert(*Jid::parse("A@EXAMPLE.com/r"));
    set.insert(*Jid::parse("a@example.com"));
    EXPECT_EQ(set.size(), 2u);
    EXPECT_TRUE(set.contains(*Jid::parse("a@Example.com")));
    EXPECT_NE(std::hash<Jid>{}(*Jid::parse("ab@c.d")), std::hash<Jid>{}(*Jid::parse("a@bc.d")));
    EXPECT_LT(*Jid::parse("a@example.com"), *Jid::parse("b@example.com"));
}

// Prepared parts are remembered (a cache of bounded size): a repeat must give the same answer,
// valid or not, and inputs beyond what the cache holds must still be prepared right.
TEST(Jid, RepeatedPreparationGivesTheSameAnswers) {
    for (int round = 0; round < 3; ++round) {
        EXPECT_EQ(Jid::parse("Juliet@EXAMPLE.com/Balcony")->full(), "juliet@example.com/Balcony");
        EXPECT_FALSE(Jid::parse("ju liet@example.com"));
        EXPECT_FALSE(Jid::parse("juliet@exa mple.com"));
        EXPECT_EQ(prepare_domain("EXAMPLE.com."), "example.com");
    }
    std::string long_node(300, 'A');
    EXPECT_EQ(prepare_node(long_node), std::string(300, 'a'));
    EXPECT_EQ(prepare_node(long_node), std::string(300, 'a'));
    // More names than the cache keeps: it starts again without changing any answer.
    for (int i = 0; i < 5000; ++i) {
        std::string node = "User" + std::to_string(i);
        ASSERT_EQ(prepare_node(node), "user" + std::to_string(i));
    }
    EXPECT_EQ(prepare_node("JULIET"), "juliet");
}

} // namespace
} // namespace cadenza
