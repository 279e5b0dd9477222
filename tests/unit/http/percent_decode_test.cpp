#include "http/percent_decode.hpp"

#include <gtest/gtest.h>

namespace cadenza::http {
namespace {

using namespace std::string_view_literals;

TEST(PercentDecodePath, DecodesEscapes) {
    EXPECT_EQ(percent_decode_path("/a%20b"), "/a b");
    EXPECT_EQ(percent_decode_path("/%C3%A9%c3%a9"), "/\xc3\xa9\xc3\xa9");
    EXPECT_EQ(percent_decode_path("/a+b"), "/a+b"); // '+' is literal in paths
    EXPECT_EQ(percent_decode_path("/%2F"), "//");
    EXPECT_EQ(percent_decode_path(""), "");
}

TEST(PercentDecodePath, RejectsMalformedEscapes) {
    for (auto bad : {"/%"sv, "/%4"sv, "/%zz"sv, "/%4g"sv, "/a%"sv, "/%%41"sv}) {
        EXPECT_FALSE(percent_decode_path(bad)) << bad;
    }
}

TEST(PercentDecodePath, RejectsNul) {
    EXPECT_FALSE(percent_decode_path("/a%00b"));
    EXPECT_FALSE(percent_decode_path("/a\0b"sv));
}

TEST(PercentDecodeQuery, PlusIsSpaceAndBadEscapesStay) {
    EXPECT_EQ(percent_decode_query("a+b%20c"), "a b c");
    EXPECT_EQ(percent_decode_query("100%"), "100%");
    EXPECT_EQ(percent_decode_query("%zz%41"), "%zzA");
    EXPECT_EQ(percent_decode_query("%2B"), "+");
}

TEST(ParseQuery, PairsInOrder) {
    auto q = parse_query("node=a&node=b%20c&flag&&x=1+2&=empty");
    ASSERT_EQ(q.size(), 5u);
    EXPECT_EQ(q[0], (std::pair<std::string, std::string>{"node", "a"}));
    EXPECT_EQ(q[1], (std::pair<std::string, std::string>{"node", "b c"}));
    EXPECT_EQ(q[2], (std::pair<std::string, std::string>{"flag", ""}));
    EXPECT_EQ(q[3], (std::pair<std::string, std::string>{"x", "1 2"}));
    EXPECT_EQ(q[4], (std::pair<std::string, std::string>{"", "empty"}));
    EXPECT_TRUE(parse_query("").empty());
}

} // namespace
} // namespace cadenza::http
