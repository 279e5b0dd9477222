#include "accounts/group_list.hpp"

#include <gtest/gtest.h>

namespace cadenza::accounts {
namespace {

using Groups = std::vector<std::string>;

TEST(GroupList, EncodesAsAJsonArray) {
    EXPECT_EQ(encode_groups({}), "[]");
    EXPECT_EQ(encode_groups({"Friends", "Work"}), R"(["Friends","Work"])");
    EXPECT_EQ(encode_groups({"a\"b\\c\nd\x01"}), R"(["a\"b\\c\u000ad\u0001"])");
    EXPECT_EQ(encode_groups({"Ünï"}), "[\"Ünï\"]");
}

TEST(GroupList, RoundTrips) {
    std::string every_byte;
    for (int c = 1; c < 256; ++c) {
        every_byte += static_cast<char>(c);
    }
    for (const Groups& groups : {Groups{}, Groups{""}, Groups{"a", "a"}, Groups{every_byte},
                                 Groups{"x", "[\"y\"]", ",", "\\u0041"}}) {
        EXPECT_EQ(decode_groups(encode_groups(groups)), groups);
    }
}

TEST(GroupList, DecodesOtherJsonSpellings) {
    EXPECT_EQ(decode_groups(" [ \"a\" , \"b\" ] "), (Groups{"a", "b"}));
    EXPECT_EQ(decode_groups(R"(["\/\b\f\r\t"])"), (Groups{"/\b\f\r\t"}));
    EXPECT_EQ(decode_groups(R"(["\u00e9\u20AC"])"), (Groups{"é€"}));
    EXPECT_EQ(decode_groups(R"(["\ud83c\udfb5"])"), (Groups{"\xF0\x9F\x8E\xB5"}));
}

TEST(GroupList, RefusesWhatIsNotAnArrayOfStrings) {
    for (std::string_view bad :
         {"", "[", "]", "{}", "[1]", "[\"a\"", "[\"a\",]", "[,\"a\"]", "[\"a\"] x", "\"a\"",
          "[\"a\" \"b\"]", "[\"\\x\"]", "[\"\\u12\"]", "[\"\\ud800\"]", "[\"\\udc00\"]",
          "[\"\\ud800\\u0041\"]", "[\"a\nb\"]", "[\"a\\"}) {
        EXPECT_FALSE(decode_groups(bad).has_value()) << bad;
    }
}

} // namespace
} // namespace cadenza::accounts
