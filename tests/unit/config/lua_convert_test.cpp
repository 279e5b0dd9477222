#include "config/lua_convert.hpp"
#include "config_test_support.hpp"

#include <gtest/gtest.h>

#include <memory>

namespace cadenza::config::lua {
namespace {

struct StateCloser {
    void operator()(lua_State* L) const { lua_close(L); }
};

class LuaConvertTest : public ::testing::Test {
protected:
    std::unique_ptr<lua_State, StateCloser> owner{luaL_newstate()};
    lua_State* L = owner.get();
    SourceLocation where{"f.lua", 3};

    void SetUp() override { luaL_openlibs(L); }

    // Evaluates `expression` with plain Lua and converts the result.
    ConfigValue convert(const std::string& expression) {
        std::string chunk = "return " + expression;
        EXPECT_EQ(luaL_loadstring(L, chunk.c_str()), LUA_OK);
        EXPECT_EQ(lua_pcall(L, 0, 1, 0), LUA_OK);
        ConfigValue v = to_config_value(L, -1, "opt", where);
        lua_pop(L, 1);
        return v;
    }
};

TEST_F(LuaConvertTest, Scalars) {
    EXPECT_EQ(convert("true").as_boolean(), true);
    EXPECT_EQ(convert("7").type(), ConfigValue::Type::kInteger);
    EXPECT_EQ(convert("7.0").type(), ConfigValue::Type::kNumber);
    EXPECT_EQ(convert("'a\\0b'").as_string(), std::string("a\0b", 3));
    EXPECT_EQ(convert("1").where.str(), "f.lua:3");
}

TEST_F(LuaConvertTest, ListsComeOutInOrder) {
    ConfigValue v = convert("{ [3] = 'c', [1] = 'a', [2] = 'b', k = 'v' }");
    const auto& t = v.as_table();
    ASSERT_EQ(t.array.size(), 3U);
    EXPECT_EQ(t.array[0].as_string(), "a");
    EXPECT_EQ(t.array[2].as_string(), "c");
    EXPECT_EQ(t.map.at("k").as_string(), "v");
}

TEST_F(LuaConvertTest, Errors) {
    EXPECT_EQ(test::config_error([&] { convert("{ [1.5] = 1 }"); }),
              "f.lua:3: option 'opt' has the key 1.5 (keys must be strings or list positions "
              "1, 2, ...)");
    EXPECT_EQ(test::config_error([&] { convert("{ [0] = 1 }"); }),
              "f.lua:3: option 'opt' has the key 0 (keys must be strings or list positions 1, "
              "2, ...)");
    EXPECT_EQ(test::config_error([&] { convert("{ a = { coroutine.create(print) } }"); }),
              "f.lua:3: option 'opt.a[1]' cannot hold a thread (only booleans, numbers, strings "
              "and tables)");
    EXPECT_EQ(test::config_error([&] { convert("{ [{}] = 1 }"); }),
              "f.lua:3: option 'opt' has the key of type table (keys must be strings or list "
              "positions 1, 2, ...)");
    std::string deep = "1";
    for (int i = 0; i < 40; ++i) {
        deep = "{" + deep + "}";
    }
    std::string message = test::config_error([&] { convert(deep); });
    EXPECT_NE(message.find("nests tables more than 32 deep"), std::string::npos) << message;
}

TEST_F(LuaConvertTest, PushRoundTrips) {
    ConfigValue original = convert("{ 1, 2.5, 'x', false, { n = { 'deep' } }, key = 'v' }");
    push_config_value(L, original);
    ConfigValue back = to_config_value(L, -1, "opt", where);
    lua_pop(L, 1);
    const auto& t = back.as_table();
    ASSERT_EQ(t.array.size(), 5U);
    EXPECT_EQ(t.array[0].type(), ConfigValue::Type::kInteger);
    EXPECT_EQ(t.array[1].type(), ConfigValue::Type::kNumber);
    EXPECT_EQ(t.array[2].as_string(), "x");
    EXPECT_FALSE(t.array[3].as_boolean());
    EXPECT_EQ(t.array[4].as_table().map.at("n").as_table().array[0].as_string(), "deep");
    EXPECT_EQ(t.map.at("key").as_string(), "v");
}

} // namespace
} // namespace cadenza::config::lua
