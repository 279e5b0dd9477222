#include "config/config.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace cadenza::config {
namespace {

TEST(SourceLocation, FormatsFileAndLine) {
    EXPECT_EQ((SourceLocation{"cadenza.cfg.lua", 12}).str(), "cadenza.cfg.lua:12");
    EXPECT_EQ((SourceLocation{"a.lua", 0}).str(), "a.lua");
    EXPECT_EQ(SourceLocation{}.str(), "(default)");
}

TEST(ConfigValue, TypesAndAccessors) {
    const ConfigValue yes(true);
    EXPECT_TRUE(yes.is_boolean());
    EXPECT_TRUE(yes.as_boolean());
    EXPECT_EQ(ConfigValue(std::int64_t{7}).type(), ConfigValue::Type::kInteger);
    EXPECT_EQ(ConfigValue(2.5).type(), ConfigValue::Type::kNumber);
    EXPECT_EQ(ConfigValue(std::string("x")).as_string(), "x");
    EXPECT_TRUE(ConfigValue(ConfigValue::Table{}).is_table());
    EXPECT_TRUE(ConfigValue().is_boolean());
    EXPECT_FALSE(ConfigValue().as_boolean());
}

TEST(ConfigValue, NumbersConvertBothWays) {
    EXPECT_DOUBLE_EQ(ConfigValue(std::int64_t{5}).as_number(), 5.0);
    EXPECT_EQ(ConfigValue(std::int64_t{-3}).as_integer(), -3);
    EXPECT_EQ(ConfigValue(2.9).as_integer(), 2);
    EXPECT_EQ(ConfigValue(-2.9).as_integer(), -2);
    EXPECT_EQ(ConfigValue(1e300).as_integer(), std::numeric_limits<std::int64_t>::max());
    EXPECT_EQ(ConfigValue(-1e300).as_integer(), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(ConfigValue(std::nan("")).as_integer(), 0);
    EXPECT_THROW((void)ConfigValue(std::string("5")).as_number(), std::bad_variant_access);
}

TEST(ConfigValue, TypeNames) {
    EXPECT_STREQ(ConfigValue(false).type_name(), "boolean");
    EXPECT_STREQ(ConfigValue(std::int64_t{1}).type_name(), "number");
    EXPECT_STREQ(ConfigValue(1.5).type_name(), "number");
    EXPECT_STREQ(ConfigValue(std::string()).type_name(), "string");
    EXPECT_STREQ(ConfigValue(ConfigValue::Table{}).type_name(), "table");
}

TEST(Section, EnabledUnlessSetToFalse) {
    Section s;
    EXPECT_TRUE(s.enabled());
    s.options.emplace("enabled", ConfigValue(false));
    EXPECT_FALSE(s.enabled());
    s.options.insert_or_assign("enabled", ConfigValue(true));
    EXPECT_TRUE(s.enabled());
}

TEST(Config, FindHostByExactName) {
    Config c;
    c.hosts.push_back(Section{});
    c.hosts.back().name = "example.org";
    ASSERT_NE(c.find_host("example.org"), nullptr);
    EXPECT_EQ(c.find_host("example.org")->name, "example.org");
    EXPECT_EQ(c.find_host("other.org"), nullptr);
}

} // namespace
} // namespace cadenza::config
