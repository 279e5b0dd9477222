#include "config/config.hpp"
#include "config_test_support.hpp"
#include "log/log_sinks.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace cadenza::config {
namespace {

using test::config_error;
using test::eval;

class OptionsTest : public ::testing::Test {
protected:
    Config config = eval(R"(
name = "cadenza"            -- line 2
flag = true
ratio = 0.5
count = 42
whole = 8.0                 -- line 6
fraction = 2.5
modules = { "a", "b", "a" }
single = "only"
ports = { 5280, 5281 }
paths = { files = "/f" }    -- line 11
mixed = { "a", 3 }
named = { "a", key = "v" }
huge = 1e300
VirtualHost "example.org"
count = 7                   -- line 16
)");
    SectionOptions global{nullptr, config.global};
    SectionOptions host{config.find_host("example.org"), config.global};
};

TEST_F(OptionsTest, StringGetters) {
    EXPECT_EQ(global.get_string("name"), "cadenza");
    EXPECT_EQ(global.get_string("missing"), std::nullopt);
    EXPECT_EQ(global.get_string("missing", "dflt"), "dflt");
    EXPECT_EQ(global.get_string("name", "dflt"), "cadenza");
    EXPECT_EQ(config_error([&] { (void)global.get_string("count"); }),
              "option 'count' (test.cfg.lua:5) must be a string, not a number");
}

TEST_F(OptionsTest, BoolGetter) {
    EXPECT_TRUE(global.get_bool("flag", false));
    EXPECT_FALSE(global.get_bool("missing", false));
    EXPECT_TRUE(global.get_bool("missing", true));
    EXPECT_EQ(config_error([&] { (void)global.get_bool("name", false); }),
              "option 'name' (test.cfg.lua:2) must be true or false, not a string");
}

TEST_F(OptionsTest, NumberGetter) {
    EXPECT_DOUBLE_EQ(global.get_number("ratio", 0), 0.5);
    EXPECT_DOUBLE_EQ(global.get_number("count", 0), 42.0);
    EXPECT_DOUBLE_EQ(global.get_number("missing", 1.5), 1.5);
    EXPECT_EQ(config_error([&] { (void)global.get_number("flag", 0); }),
              "option 'flag' (test.cfg.lua:3) must be a number, not a boolean");
}

TEST_F(OptionsTest, IntGetterAcceptsIntegralFloatsOnly) {
    EXPECT_EQ(global.get_int("count", 0, 0, 100), 42);
    EXPECT_EQ(global.get_int("whole", 0, 0, 100), 8);
    EXPECT_EQ(global.get_int("missing", -5, 0, 100), -5); // the caller's default is kept as is
    EXPECT_EQ(config_error([&] { (void)global.get_int("fraction", 0, 0, 100); }),
              "option 'fraction' (test.cfg.lua:7) must be an integer, not 2.5");
    EXPECT_EQ(config_error([&] { (void)global.get_int("name", 0, 0, 100); }),
              "option 'name' (test.cfg.lua:2) must be an integer, not a string");
}

TEST_F(OptionsTest, IntGetterClampsWithAWarning) {
    test::TempDir dir;
    std::string log_file = dir.path() + "/warn.log";
    logging::set_sinks({{logging::SinkSpec::Kind::kFile, LogLevel::kWarn, log_file}});
    std::int64_t low = global.get_int("count", 0, 50, 100);
    std::int64_t high = global.get_int("count", 0, 0, 10);
    std::int64_t huge = global.get_int("huge", 0, 0, 10);
    logging::reset_to_stderr(LogLevel::kInfo);
    EXPECT_EQ(low, 50);
    EXPECT_EQ(high, 10);
    EXPECT_EQ(huge, 10);

    std::ifstream in(log_file);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("option 'count' (test.cfg.lua:5) is 42, outside 50..100; using 50"),
              std::string::npos)
        << text.str();
    EXPECT_NE(text.str().find("option 'count' (test.cfg.lua:5) is 42, outside 0..10; using 10"),
              std::string::npos)
        << text.str();
    EXPECT_NE(text.str().find("option 'huge' (test.cfg.lua:14) is 1e+300, outside 0..10"),
              std::string::npos)
        << text.str();
}

TEST_F(OptionsTest, ListGetter) {
    EXPECT_EQ(global.get_list("modules"), (std::vector<std::string>{"a", "b", "a"}));
    EXPECT_EQ(global.get_list("single"), (std::vector<std::string>{"only"}));
    EXPECT_TRUE(global.get_list("missing").empty());
    EXPECT_EQ(config_error([&] { (void)global.get_list("count"); }),
              "option 'count' (test.cfg.lua:5) must be a list of strings, not a number");
    EXPECT_EQ(config_error([&] { (void)global.get_list("mixed"); }),
              "option 'mixed' (test.cfg.lua:12) must be a list of strings, but item 2 is a number");
    EXPECT_EQ(config_error([&] { (void)global.get_list("named"); }),
              "option 'named' (test.cfg.lua:13) must be a list of strings, not a table with "
              "named fields (such as 'key')");
}

TEST_F(OptionsTest, SetGetterDeduplicatesAndSorts) {
    EXPECT_EQ(global.get_set("modules"), (std::set<std::string>{"a", "b"}));
    EXPECT_EQ(global.get_set("single"), (std::set<std::string>{"only"}));
}

TEST_F(OptionsTest, IntListGetter) {
    EXPECT_EQ(global.get_int_list("ports"), (std::vector<std::int64_t>{5280, 5281}));
    EXPECT_EQ(global.get_int_list("count"), (std::vector<std::int64_t>{42}));
    EXPECT_EQ(global.get_int_list("whole"), (std::vector<std::int64_t>{8}));
    EXPECT_TRUE(global.get_int_list("missing").empty());
    EXPECT_EQ(config_error([&] { (void)global.get_int_list("single"); }),
              "option 'single' (test.cfg.lua:9) must be a list of integers, not a string");
    EXPECT_EQ(config_error([&] { (void)global.get_int_list("mixed"); }),
              "option 'mixed' (test.cfg.lua:12) must be a list of integers, but item 1 is a "
              "string");
    EXPECT_EQ(config_error([&] { (void)global.get_int_list("fraction"); }),
              "option 'fraction' (test.cfg.lua:7) must be a list of integers, but it is 2.5");
    EXPECT_EQ(config_error([&] { (void)global.get_int_list("ports", 1, 5280); }),
              "option 'ports' (test.cfg.lua:10): item 2 is 5281, outside 1..5280");
}

TEST_F(OptionsTest, TableGetter) {
    const ConfigValue::Table* paths = global.get_table("paths");
    ASSERT_NE(paths, nullptr);
    EXPECT_EQ(paths->map.at("files").as_string(), "/f");
    EXPECT_EQ(global.get_table("missing"), nullptr);
    EXPECT_EQ(config_error([&] { (void)global.get_table("name"); }),
              "option 'name' (test.cfg.lua:2) must be a table, not a string");
}

TEST_F(OptionsTest, HostFallsBackToGlobal) {
    EXPECT_EQ(host.host(), "example.org");
    EXPECT_EQ(global.host(), "*");
    EXPECT_EQ(host.get_int("count", 0, 0, 100), 7);
    EXPECT_EQ(host.get_string("name"), "cadenza");
    ASSERT_NE(host.find("count"), nullptr);
    EXPECT_EQ(host.find("count")->where.str(), "test.cfg.lua:16");
    EXPECT_EQ(host.find_own("name"), nullptr);
    ASSERT_NE(host.find_own("count"), nullptr);
    EXPECT_TRUE(host.has("flag"));
    EXPECT_FALSE(host.has("missing"));
    ASSERT_NE(global.find_own("count"), nullptr);
    EXPECT_EQ(global.find_own("count")->as_integer(), 42);
}

} // namespace
} // namespace cadenza::config
