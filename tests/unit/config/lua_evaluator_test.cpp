#include "config/config.hpp"
#include "config_test_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace cadenza::config {
namespace {

using test::eval;
using test::eval_error;

const ConfigValue& option(const Section& s, const std::string& name) {
    auto it = s.options.find(name);
    if (it == s.options.end()) {
        throw std::runtime_error("no option " + name + " in " + s.name);
    }
    return it->second;
}

TEST(LuaEvaluator, GlobalAndHostSections) {
    Config c = eval(R"(
http_ports = { 5280 }
data_path = "data"
VirtualHost "Example.org"
    allow_registration = true
    data_path = "host-data"
Component "pubsub.example.org" "pubsub"
    modules_enabled = { "pubsub_eventsource" }
)");
    EXPECT_EQ(c.path, "test.cfg.lua");
    EXPECT_EQ(c.global.name, "*");
    EXPECT_EQ(c.global.kind, SectionKind::kGlobal);
    EXPECT_EQ(option(c.global, "data_path").as_string(), "data");
    EXPECT_EQ(option(c.global, "data_path").where.str(), "test.cfg.lua:3");
    EXPECT_EQ(c.global.options.count("allow_registration"), 0U);
    ASSERT_EQ(c.hosts.size(), 2U);

    const Section* vhost = c.find_host("example.org");
    ASSERT_NE(vhost, nullptr);
    EXPECT_EQ(vhost->kind, SectionKind::kVirtualHost);
    EXPECT_EQ(vhost->where.str(), "test.cfg.lua:4");
    EXPECT_TRUE(vhost->component_module.empty());
    EXPECT_EQ(option(*vhost, "data_path").as_string(), "host-data");
    EXPECT_TRUE(option(*vhost, "allow_registration").as_boolean());
    EXPECT_EQ(c.find_host("Example.org"), nullptr); // names are stored lower-cased

    const Section& comp = c.hosts[1];
    EXPECT_EQ(comp.name, "pubsub.example.org");
    EXPECT_EQ(comp.kind, SectionKind::kComponent);
    EXPECT_EQ(comp.component_module, "pubsub");
    EXPECT_EQ(option(comp, "modules_enabled").as_table().array.at(0).as_string(),
              "pubsub_eventsource");

    SectionOptions opts(vhost, c.global);
    EXPECT_EQ(opts.get_int_list("http_ports"), std::vector<std::int64_t>{5280});
}

TEST(LuaEvaluator, HostAliasesAndReopening) {
    Config c = eval(R"(
Host "a.org"
    x = 1
host "b.org"
    x = 2
VirtualHost "a.org"
    y = 3
)");
    ASSERT_EQ(c.hosts.size(), 2U);
    EXPECT_EQ(option(c.hosts[0], "x").as_integer(), 1);
    EXPECT_EQ(option(c.hosts[0], "y").as_integer(), 3);
    EXPECT_EQ(option(c.hosts[1], "x").as_integer(), 2);
}

TEST(LuaEvaluator, OptionsTableFormsReturnToGlobal) {
    Config c = eval(R"(
VirtualHost "a.org" { x = 1, list = { "p", "q" } }
after_host = true
Component "muc.a.org" "muc" { restrict_room_creation = true }
Component "ext.a.org" { component_secret = "s" }
component "c.a.org" "pubsub"
    inside = 1
)");
    ASSERT_EQ(c.hosts.size(), 4U);
    EXPECT_EQ(option(c.hosts[0], "x").as_integer(), 1);
    EXPECT_EQ(option(c.hosts[0], "x").where.str(), "test.cfg.lua:2");
    EXPECT_EQ(option(c.hosts[0], "list").as_table().array.size(), 2U);
    EXPECT_TRUE(option(c.global, "after_host").as_boolean());
    EXPECT_EQ(c.hosts[1].component_module, "muc");
    EXPECT_TRUE(option(c.hosts[1], "restrict_room_creation").as_boolean());
    EXPECT_EQ(c.hosts[2].kind, SectionKind::kComponent);
    EXPECT_EQ(c.hosts[2].component_module, ""); // Prosody: an external component
    EXPECT_EQ(option(c.hosts[2], "component_secret").as_string(), "s");
    EXPECT_EQ(c.hosts[3].component_module, "pubsub");
    EXPECT_EQ(option(c.hosts[3], "inside").as_integer(), 1);
}

TEST(LuaEvaluator, EnabledFalseAndNilAssignment) {
    Config c = eval(R"(
removed = "x"
removed = nil
never_set = nil
VirtualHost "off.org"
    enabled = false
VirtualHost "on.org"
)");
    EXPECT_EQ(c.global.options.count("removed"), 0U);
    EXPECT_EQ(c.global.options.count("never_set"), 0U);
    EXPECT_FALSE(c.find_host("off.org")->enabled());
    EXPECT_TRUE(c.find_host("on.org")->enabled());
}

TEST(LuaEvaluator, ReadingAnOptionGivesItsCurrentValue) {
    Config c = eval(R"(
http_ports = { 5280, 5290 }
https_ports = http_ports
base = "/srv"
data_path = base .. "/data"
n = 1
n = n + 1
VirtualHost "a.org"
    port_count = #http_ports   -- falls back to the global value
    base = "/host"
    own = base
copy = http_ports
copy[1] = 1   -- changes the copy only
)");
    const auto& https = option(c.global, "https_ports").as_table().array;
    ASSERT_EQ(https.size(), 2U);
    EXPECT_EQ(https[1].as_integer(), 5290);
    EXPECT_EQ(option(c.global, "data_path").as_string(), "/srv/data");
    EXPECT_EQ(option(c.global, "n").as_integer(), 2);
    const Section* host = c.find_host("a.org");
    EXPECT_EQ(option(*host, "port_count").as_integer(), 2);
    EXPECT_EQ(option(*host, "own").as_string(), "/host");
    EXPECT_EQ(option(c.global, "http_ports").as_table().array[0].as_integer(), 5280);
    ASSERT_EQ(c.warnings.size(), 1U); // n set twice
    EXPECT_EQ(c.warnings[0], "test.cfg.lua:7: option 'n' is set again in the global section "
                             "(before at test.cfg.lua:6); the later value wins");
}

TEST(LuaEvaluator, EnvironmentVariables) {
    ::setenv("CADENZA_TEST_SECRET", "s3cret", 1);
    ::unsetenv("CADENZA_TEST_UNSET");
    Config c = eval(R"(
secret = ENV_CADENZA_TEST_SECRET
unset = ENV_CADENZA_TEST_UNSET
fallback = ENV_CADENZA_TEST_UNSET or "dflt"
)");
    EXPECT_EQ(option(c.global, "secret").as_string(), "s3cret");
    EXPECT_EQ(c.global.options.count("unset"), 0U);
    EXPECT_EQ(option(c.global, "fallback").as_string(), "dflt");
}

TEST(LuaEvaluator, ValuesKeepTheirTypes) {
    Config c = eval(R"(
b = false
i = 5280
f = 0.25
big = 2^53
s = "text"
t = { 1, "two", 3.5, { nested = true }, name = "n" }
)");
    EXPECT_EQ(option(c.global, "b").type(), ConfigValue::Type::kBoolean);
    EXPECT_EQ(option(c.global, "i").type(), ConfigValue::Type::kInteger);
    EXPECT_EQ(option(c.global, "i").as_integer(), 5280);
    EXPECT_EQ(option(c.global, "f").type(), ConfigValue::Type::kNumber);
    EXPECT_DOUBLE_EQ(option(c.global, "f").as_number(), 0.25);
    EXPECT_EQ(option(c.global, "big").type(), ConfigValue::Type::kNumber); // ^ gives a float
    const auto& t = option(c.global, "t").as_table();
    ASSERT_EQ(t.array.size(), 4U);
    EXPECT_EQ(t.array[0].as_integer(), 1);
    EXPECT_EQ(t.array[1].as_string(), "two");
    EXPECT_DOUBLE_EQ(t.array[2].as_number(), 3.5);
    EXPECT_TRUE(t.array[3].as_table().map.at("nested").as_boolean());
    EXPECT_EQ(t.array[3].where.str(), "test.cfg.lua:7"); // nested values: the assignment's line
    EXPECT_EQ(t.map.at("name").as_string(), "n");
}

TEST(LuaEvaluator, SyntaxErrorNamesFileAndLine) {
    EXPECT_EQ(eval_error("a = 1\nb = = 2\n"), "test.cfg.lua:2: unexpected symbol near '='");
}

TEST(LuaEvaluator, RuntimeErrorsNameFileAndLine) {
    EXPECT_EQ(eval_error("x = 1\ny = nothing.field\n"),
              "test.cfg.lua:2: attempt to index a nil value (global 'nothing')");
    EXPECT_EQ(eval_error("\n\nerror('custom')\n"), "test.cfg.lua:3: custom");
    EXPECT_EQ(eval_error("error({})"), "(error object is a table value)");
}

TEST(LuaEvaluator, LongFileNamesAreNotTruncated) {
    std::string name(120, 'd');
    name += "/cadenza.cfg.lua";
    std::string message = test::config_error([&] { load_config_string("\n = 1", name, "."); });
    EXPECT_EQ(message, name + ":2: unexpected symbol near '='");
}

TEST(LuaEvaluator, BadHostLinesAreErrors) {
    EXPECT_EQ(eval_error("x = 1\nVirtualHost(42)\n"),
              "test.cfg.lua:2: VirtualHost needs a name in quotes, not a number");
    EXPECT_EQ(eval_error("Component()\n"), "test.cfg.lua:1: Component needs a name in quotes");
    EXPECT_EQ(eval_error("\nVirtualHost \"a.org\" \"muc\"\n"),
              "test.cfg.lua:2: VirtualHost entries do not take a module name ('muc' given for "
              "host 'a.org'); did you mean Component?");
    EXPECT_EQ(eval_error("VirtualHost \"a.org\" (5)\n"),
              "test.cfg.lua:1: expected an options table after VirtualHost \"a.org\", not a "
              "number");
    EXPECT_EQ(eval_error("Component \"c.org\" \"muc\" \"x\"\n"),
              "test.cfg.lua:1: expected an options table after Component \"c.org\", not a "
              "string");
    EXPECT_EQ(eval_error("VirtualHost \"a.org\" { [1] = 2 }\n"),
              "test.cfg.lua:1: option names in the table of VirtualHost \"a.org\" must be "
              "strings, not a number");
    EXPECT_EQ(eval_error("VirtualHost \"a.org\"\nComponent \"a.org\" \"muc\"\n"),
              "test.cfg.lua:2: Component \"a.org\" clashes with the VirtualHost of the same name "
              "at test.cfg.lua:1; for services use a sub-domain like conference.a.org");
}

TEST(LuaEvaluator, UnsupportedValuesNameOptionAndLine) {
    EXPECT_EQ(eval_error("a = 1\nfunction helper() end\n"),
              "test.cfg.lua:2: option 'helper' cannot hold a function (only booleans, numbers, "
              "strings and tables)");
    // A multi-line assignment is reported at the line where it completes.
    EXPECT_EQ(eval_error("ssl = {\n key = print }\n"),
              "test.cfg.lua:2: option 'ssl.key' cannot hold a function (only booleans, numbers, "
              "strings and tables)");
    EXPECT_EQ(eval_error("t = { [true] = 1 }"),
              "test.cfg.lua:1: option 't' has the key true (keys must be strings or list "
              "positions 1, 2, ...)");
    EXPECT_EQ(eval_error("local t = {}\nt.self = t\nloop = t\n"),
              "test.cfg.lua:3: option 'loop.self' contains itself");
    EXPECT_EQ(eval_error("gaps = { 1, nil, 3 }"),
              "test.cfg.lua:1: option 'gaps' is a list with gaps (it has 2 items but goes up "
              "to position 3)");
    EXPECT_EQ(eval_error("_ENV[1] = 2"),
              "test.cfg.lua:1: option names must be strings, not a number");
}

TEST(LuaEvaluator, SharedTablesAreNotCycles) {
    Config c = eval("local shared = { 1 }\nboth = { a = shared, b = shared }\n");
    EXPECT_EQ(option(c.global, "both").as_table().map.size(), 2U);
}

TEST(LuaEvaluator, LoadsARealFile) {
    test::TempDir dir;
    std::string path = dir.write("cadenza.cfg.lua", "pidfile = \"cadenza.pid\"\n");
    Config c = load_config_file(path);
    EXPECT_EQ(c.path, path);
    EXPECT_EQ(c.files, std::vector<std::string>{path});
    EXPECT_EQ(option(c.global, "pidfile").where.str(), path + ":1");
    EXPECT_EQ(test::config_error([&] { load_config_file(dir.path() + "/missing.lua"); }),
              "config file: cannot read '" + dir.path() +
                  "/missing.lua': No such file or directory");
}

} // namespace
} // namespace cadenza::config
