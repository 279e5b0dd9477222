#include "config/config_files.hpp"
#include "config_test_support.hpp"

#include <gtest/gtest.h>

namespace cadenza::config::files {
namespace {

TEST(ConfigFiles, DirectoryOf) {
    EXPECT_EQ(directory_of("cadenza.cfg.lua"), "");
    EXPECT_EQ(directory_of("etc/cadenza.cfg.lua"), "etc");
    EXPECT_EQ(directory_of("/etc/cadenza/cadenza.cfg.lua"), "/etc/cadenza");
    EXPECT_EQ(directory_of("/x"), "/");
}

TEST(ConfigFiles, Resolve) {
    EXPECT_EQ(resolve("/etc/cadenza", "conf.d/a.lua"), "/etc/cadenza/conf.d/a.lua");
    EXPECT_EQ(resolve("/etc/cadenza/", "a.lua"), "/etc/cadenza/a.lua");
    EXPECT_EQ(resolve("/etc/cadenza", "/abs/a.lua"), "/abs/a.lua");
    EXPECT_EQ(resolve("", "a.lua"), "a.lua");
    EXPECT_EQ(resolve(".", "a.lua"), "a.lua");
}

TEST(ConfigFiles, Wildcards) {
    EXPECT_TRUE(has_wildcard("conf.d/*.cfg.lua"));
    EXPECT_TRUE(has_wildcard("a?.lua"));
    EXPECT_TRUE(has_wildcard("[ab].lua"));
    EXPECT_FALSE(has_wildcard("conf.d/a.cfg.lua"));
}

TEST(ConfigFiles, GlobSortsAndSkipsDirectoriesAndHiddenFiles) {
    test::TempDir dir;
    dir.write("b.lua", "");
    dir.write("a.lua", "");
    dir.write(".hidden.lua", "");
    dir.write("sub.lua/inner", ""); // a directory whose name matches
    EXPECT_EQ(expand_glob(dir.path() + "/*.lua"),
              (std::vector<std::string>{dir.path() + "/a.lua", dir.path() + "/b.lua"}));
    EXPECT_TRUE(expand_glob(dir.path() + "/*.nothing").empty());
}

TEST(ConfigFiles, ReadFile) {
    test::TempDir dir;
    std::string path = dir.write("x.txt", std::string("a\0b", 3));
    EXPECT_EQ(read_file(path), std::string("a\0b", 3));
    std::string message = test::config_error([&] { read_file(dir.path() + "/missing"); });
    EXPECT_EQ(message, "cannot read '" + dir.path() + "/missing': No such file or directory");
    EXPECT_EQ(test::config_error([&] { read_file(dir.path()); }),
              "cannot read '" + dir.path() + "': Is a directory");
}

} // namespace
} // namespace cadenza::config::files
