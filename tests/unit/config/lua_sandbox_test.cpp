#include "config/config.hpp"
#include "config_test_support.hpp"

#include <gtest/gtest.h>

#include <chrono>

namespace cadenza::config {
namespace {

using test::eval;
using test::eval_error;

TEST(Sandbox, DangerousGlobalsAreNil) {
    EXPECT_EQ(eval_error("os.exit(1)"),
              "test.cfg.lua:1: attempt to index a nil value (global 'os')");
    EXPECT_EQ(eval_error("x = io.open('/etc/passwd')"),
              "test.cfg.lua:1: attempt to index a nil value (global 'io')");
    EXPECT_EQ(eval_error("require 'socket'"),
              "test.cfg.lua:1: attempt to call a nil value (global 'require')");
    EXPECT_EQ(eval_error("load('x = 1')()"),
              "test.cfg.lua:1: attempt to call a nil value (global 'load')");
    EXPECT_EQ(eval_error("dofile('/etc/passwd')"),
              "test.cfg.lua:1: attempt to call a nil value (global 'dofile')");
    EXPECT_EQ(eval_error("debug.getinfo(1)"),
              "test.cfg.lua:1: attempt to index a nil value (global 'debug')");
    EXPECT_EQ(eval_error("setmetatable({}, {})"),
              "test.cfg.lua:1: attempt to call a nil value (global 'setmetatable')");
    EXPECT_EQ(eval_error("rawset(_ENV, 'x', 1)"),
              "test.cfg.lua:1: attempt to call a nil value (global 'rawset')");
}

TEST(Sandbox, MissingFunctionsAreNil) {
    Config c = eval(R"(
has_os = os ~= nil
has_package = package ~= nil
has_loadstring = loadstring ~= nil
has_collectgarbage = collectgarbage ~= nil
has_dump = string.dump ~= nil
has_getmetatable = getmetatable ~= nil
)");
    for (const auto& [name, value] : c.global.options) {
        EXPECT_FALSE(value.as_boolean()) << name;
    }
    EXPECT_EQ(c.global.options.size(), 6U);
}

TEST(Sandbox, AllowedLibraries) {
    Config c = eval(R"(
upper = string.upper("abc")
joined = table.concat({ "a", "b" }, ",")
max = math.max(3, 9)
len = utf8.len("hé")
kind = type(1)
num = tonumber("42")
str = tostring(7)
count = select("#", 1, 2, 3)
ok, message = pcall(error, "boom", 0)
print("printing goes to the debug log")
local n = 0
for _, v in ipairs({ 1, 2 }) do n = n + v end
for k in pairs({ a = 1 }) do n = n + #k end
sum = n
assert(true)
)");
    auto get = [&](const char* name) -> const ConfigValue& { return c.global.options.at(name); };
    EXPECT_EQ(get("upper").as_string(), "ABC");
    EXPECT_EQ(get("joined").as_string(), "a,b");
    EXPECT_EQ(get("max").as_integer(), 9);
    EXPECT_EQ(get("len").as_integer(), 2);
    EXPECT_EQ(get("kind").as_string(), "number");
    EXPECT_EQ(get("num").as_integer(), 42);
    EXPECT_EQ(get("str").as_string(), "7");
    EXPECT_EQ(get("count").as_integer(), 3);
    EXPECT_FALSE(get("ok").as_boolean());
    EXPECT_EQ(get("message").as_string(), "boom");
    EXPECT_EQ(get("sum").as_integer(), 4);
}

TEST(Sandbox, EndlessLoopStops) {
    EvalLimits limits;
    limits.max_instructions = 2'000'000;
    auto start = std::chrono::steady_clock::now();
    std::string message = eval_error("x = 1\nwhile true do end\n", limits);
    EXPECT_EQ(message, "test.cfg.lua:2: config takes too long (more than 2000000 Lua "
                       "instructions; an endless loop?)");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST(Sandbox, DefaultInstructionLimitStopsALoop) {
    std::string message = eval_error("local i = 0\nwhile true do i = i + 1 end\n");
    EXPECT_EQ(message, "test.cfg.lua:2: config takes too long (more than 50000000 Lua "
                       "instructions; an endless loop?)");
}

TEST(Sandbox, PcallCannotCatchTheLimits) {
    EvalLimits limits;
    limits.max_instructions = 1'000'000;
    std::string message =
        eval_error("while true do pcall(function() while true do end end) end\n", limits);
    EXPECT_NE(message.find("config takes too long"), std::string::npos) << message;

    limits.max_memory = 4 << 20;
    message = eval_error("ok = pcall(function() local t = {} for i = 1, 1e8 do t[i] = i end end)\n",
                         limits);
    EXPECT_EQ(message, "test.cfg.lua: config uses too much memory (more than 4 MiB)");
}

TEST(Sandbox, HugeAllocationStops) {
    EXPECT_EQ(eval_error("x = string.rep('x', 1 << 30)"),
              "test.cfg.lua: config uses too much memory (more than 64 MiB)");
    EvalLimits limits;
    limits.max_memory = 8 << 20;
    EXPECT_EQ(eval_error("local t = {}\nfor i = 1, 1e9 do t[i] = 'item' .. i end\n", limits),
              "test.cfg.lua: config uses too much memory (more than 8 MiB)");
}

TEST(Sandbox, LimitsCoverIncludedFiles) {
    test::TempDir dir;
    dir.write("loop.lua", "\nwhile true do end\n");
    std::string main = dir.write("main.lua", "Include 'loop.lua'\n");
    EvalLimits limits;
    limits.max_instructions = 1'000'000;
    EXPECT_EQ(test::config_error([&] { load_config_file(main, limits); }),
              dir.path() + "/loop.lua:2: config takes too long (more than 1000000 Lua "
                           "instructions; an endless loop?)");
}

TEST(Sandbox, BinaryChunksAreRefused) {
    EXPECT_NE(eval_error(std::string("\x1bLua\x54", 5)).find("attempt to load a binary chunk"),
              std::string::npos);
}

} // namespace
} // namespace cadenza::config
