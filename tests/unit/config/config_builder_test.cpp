#include "config/config_builder.hpp"
#include "config_test_support.hpp"

#include <gtest/gtest.h>

namespace cadenza::config {
namespace {

using test::config_error;

ConfigValue at(std::int64_t v, int line) {
    ConfigValue value(v);
    value.where = {"f.lua", line};
    return value;
}

TEST(ConfigBuilder, StartsGlobalAndNamesIt) {
    Config c;
    ConfigBuilder b(c);
    EXPECT_EQ(c.global.name, "*");
    EXPECT_EQ(b.current(), ConfigBuilder::kGlobal);
}

TEST(ConfigBuilder, OpensAndReopensHostsLowerCased) {
    Config c;
    ConfigBuilder b(c);
    EXPECT_EQ(b.open_host("Example.ORG", SectionKind::kVirtualHost, {"f.lua", 3}), 0);
    EXPECT_EQ(b.open_host("pubsub.example.org", SectionKind::kComponent, {"f.lua", 5}), 1);
    EXPECT_EQ(b.open_host("example.org", SectionKind::kVirtualHost, {"f.lua", 9}), 0);
    EXPECT_EQ(b.current(), 0);
    ASSERT_EQ(c.hosts.size(), 2U);
    EXPECT_EQ(c.hosts[0].name, "example.org");
    EXPECT_EQ(c.hosts[0].where.str(), "f.lua:3"); // the first line that opened it
    EXPECT_EQ(c.hosts[1].kind, SectionKind::kComponent);
}

TEST(ConfigBuilder, RejectsClashesAndBadNames) {
    Config c;
    ConfigBuilder b(c);
    b.open_host("a.org", SectionKind::kVirtualHost, {"f.lua", 1});
    EXPECT_EQ(config_error([&] {
                  b.open_host("a.org", SectionKind::kComponent, {"f.lua", 4});
              }),
              "f.lua:4: Component \"a.org\" clashes with the VirtualHost of the same name at "
              "f.lua:1; for services use a sub-domain like conference.a.org");
    EXPECT_EQ(config_error([&] {
                  b.open_host("", SectionKind::kVirtualHost, {"f.lua", 5});
              }),
              "f.lua:5: VirtualHost needs a name");
    EXPECT_EQ(config_error([&] {
                  b.open_host("a b", SectionKind::kVirtualHost, {"f.lua", 6});
              }),
              "f.lua:6: the name of VirtualHost \"a b\" contains forbidden characters");
}

TEST(ConfigBuilder, SetRemoveLookupAndDuplicateWarning) {
    Config c;
    ConfigBuilder b(c);
    b.set(ConfigBuilder::kGlobal, "x", at(1, 1));
    b.set(ConfigBuilder::kGlobal, "y", at(2, 2));
    int host = b.open_host("h.org", SectionKind::kVirtualHost, {"f.lua", 3});
    b.set(host, "x", at(10, 4));
    EXPECT_EQ(b.lookup("x")->as_integer(), 10);
    EXPECT_EQ(b.lookup("y")->as_integer(), 2);
    EXPECT_EQ(b.lookup("z"), nullptr);
    b.remove(host, "x");
    EXPECT_EQ(b.lookup("x")->as_integer(), 1);
    b.make_current(ConfigBuilder::kGlobal);
    EXPECT_TRUE(c.warnings.empty());
    b.set(ConfigBuilder::kGlobal, "x", at(3, 7));
    EXPECT_EQ(b.lookup("x")->as_integer(), 3);
    ASSERT_EQ(c.warnings.size(), 1U);
    EXPECT_EQ(c.warnings[0], "f.lua:7: option 'x' is set again in the global section (before at "
                             "f.lua:1); the later value wins");
}

} // namespace
} // namespace cadenza::config
