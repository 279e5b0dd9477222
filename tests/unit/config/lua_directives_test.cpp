#include "config/config.hpp"
#include "config_test_support.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

namespace cadenza::config {
namespace {

using test::config_error;
using test::TempDir;

const ConfigValue& option(const Section& s, const std::string& name) {
    auto it = s.options.find(name);
    if (it == s.options.end()) {
        throw std::runtime_error("no option " + name + " in " + s.name);
    }
    return it->second;
}

TEST(Include, RelativeToTheIncludingFile) {
    TempDir dir;
    std::string main = dir.write("etc/cadenza.cfg.lua", R"(
before = 1
VirtualHost "a.org"
Include "conf.d/extra.cfg.lua"
    after_include = true
)");
    std::string extra = dir.write("etc/conf.d/extra.cfg.lua", R"(
from_extra = before + 1
Include "nested.lua"
VirtualHost "b.org"
    in_b = true
)");
    std::string nested = dir.write("etc/conf.d/nested.lua", "nested = true\n");
    Config c = load_config_file(main);
    EXPECT_EQ(c.files, (std::vector<std::string>{main, dir.path() + "/etc/conf.d/extra.cfg.lua",
                                                 dir.path() + "/etc/conf.d/nested.lua"}));
    // The included file starts in the global section (as in Prosody) and sees earlier options.
    EXPECT_EQ(option(c.global, "from_extra").as_integer(), 2);
    EXPECT_EQ(option(c.global, "from_extra").where.str(), extra + ":2");
    EXPECT_TRUE(option(c.global, "nested").as_boolean());
    EXPECT_EQ(option(c.global, "nested").where.str(), nested + ":1");
    EXPECT_TRUE(option(*c.find_host("b.org"), "in_b").as_boolean());
    // The including file carries on in its own section.
    EXPECT_TRUE(option(*c.find_host("a.org"), "after_include").as_boolean());
    EXPECT_EQ(option(*c.find_host("a.org"), "after_include").where.str(), main + ":5");
}

TEST(Include, GlobInOrderAndEmptyGlobIsFine) {
    TempDir dir;
    std::string main = dir.write("main.lua", R"(
order = ""
Include "conf.d/*.cfg.lua"
Include "none.d/*.cfg.lua"
)");
    dir.write("conf.d/b.cfg.lua", "order = order .. 'b'\n");
    dir.write("conf.d/a.cfg.lua", "order = order .. 'a'\n");
    dir.write("conf.d/skip.txt", "order = order .. 'x'\n");
    Config c = load_config_file(main);
    EXPECT_EQ(option(c.global, "order").as_string(), "ab");
    EXPECT_EQ(c.files.size(), 3U);
}

TEST(Include, MissingPlainFileIsAnErrorAtTheIncludeLine) {
    TempDir dir;
    std::string main = dir.write("main.lua", "x = 1\n\nInclude \"missing.lua\"\n");
    EXPECT_EQ(config_error([&] { load_config_file(main); }),
              main + ":3: Include: cannot read '" + dir.path() +
                  "/missing.lua': No such file or directory");
}

TEST(Include, ErrorsInIncludedFilesNameThatFile) {
    TempDir dir;
    std::string main = dir.write("main.lua", "Include 'bad.lua'\n");
    std::string bad = dir.write("bad.lua", "\nx = = 1\n");
    EXPECT_EQ(config_error([&] { load_config_file(main); }),
              bad + ":2: unexpected symbol near '='");
    dir.write("bad.lua", "f = function() end\n");
    EXPECT_EQ(config_error([&] { load_config_file(main); }),
              bad + ":1: option 'f' cannot hold a function (only booleans, numbers, strings and "
                    "tables)");
}

TEST(Include, RecursionStopsAtTheDepthLimit) {
    TempDir dir;
    std::string main = dir.write("self.lua", "count = (count or 0) + 1\nInclude 'self.lua'\n");
    EvalLimits limits;
    limits.max_include_depth = 5;
    EXPECT_EQ(config_error([&] { load_config_file(main, limits); }),
              main + ":2: Include \"self.lua\" nests more than 5 levels deep (does a file "
                     "include itself?)");
}

TEST(Include, CanBeMadeOptionalWithPcall) {
    TempDir dir;
    std::string main = dir.write("main.lua", "ok = pcall(Include, 'missing.lua')\n");
    Config c = load_config_file(main);
    EXPECT_FALSE(option(c.global, "ok").as_boolean());
}

TEST(FileReaders, ContentsLineAndLines) {
    TempDir dir;
    dir.write("secrets/password", "hunter2\r\nsecond line\n");
    dir.write("secrets/admins", "a@example.org\nb@example.org\n");
    std::string main = dir.write("main.lua", R"(
contents = FileContents "secrets/password"
line = FileLine "secrets/password"
admins = FileLines "secrets/admins"
)");
    Config c = load_config_file(main);
    EXPECT_EQ(option(c.global, "contents").as_string(), "hunter2\r\nsecond line\n");
    EXPECT_EQ(option(c.global, "line").as_string(), "hunter2");
    const auto& admins = option(c.global, "admins").as_table().array;
    ASSERT_EQ(admins.size(), 2U);
    EXPECT_EQ(admins[0].as_string(), "a@example.org");
    EXPECT_EQ(admins[1].as_string(), "b@example.org");
    EXPECT_EQ(
        config_error([&] { load_config_string("\nx = FileLine 'nope'", "m.lua", dir.path()); }),
        "m.lua:2: FileLine: cannot read '" + dir.path() + "/nope': No such file or directory");
}

TEST(FileReaders, Credential) {
    TempDir dir;
    dir.write("db_password", "pw");
    ::setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
    Config c = test::eval("password = Credential 'db_password'\n");
    EXPECT_EQ(option(c.global, "password").as_string(), "pw");
    ::unsetenv("CREDENTIALS_DIRECTORY");
    EXPECT_EQ(test::eval_error("password = Credential 'db_password'\n"),
              "test.cfg.lua:1: Credential() needs the CREDENTIALS_DIRECTORY environment "
              "variable (set by systemd's LoadCredential=)");
}

} // namespace
} // namespace cadenza::config
