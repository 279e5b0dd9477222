#include "config/lua_sandbox.hpp"

#include "config/lua_state.hpp"

#include <cadenza/log.hpp>

namespace cadenza::config::lua {
namespace {

constexpr const char* kBaseFunctions[] = {"assert", "error",    "ipairs",   "next", "pairs",
                                          "select", "tonumber", "tostring", "type"};

// pcall, except that running out of time or memory cannot be caught: the config must stop.
int sandbox_pcall(lua_State* L) {
    luaL_checkany(L, 1);
    int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    if (LimitedState::of(L).note_status(status)) {
        return lua_error(L);
    }
    luaL_checkstack(L, 1, nullptr);
    lua_pushboolean(L, status == LUA_OK ? 1 : 0);
    if (status != LUA_OK) {
        lua_insert(L, -2);
        return 2;
    }
    lua_insert(L, 1);
    return lua_gettop(L);
}

// print goes to the debug log: the server may have no terminal.
int sandbox_print(lua_State* L) {
    int n = lua_gettop(L);
    luaL_checkstack(L, 2 * n + 1, "too many arguments to print");
    for (int i = 1; i <= n; ++i) {
        luaL_tolstring(L, i, nullptr);
        if (i < n) {
            lua_pushliteral(L, "\t");
        }
    }
    lua_concat(L, n > 0 ? 2 * n - 1 : 0);
    std::size_t len = 0;
    const char* text = lua_tolstring(L, -1, &len);
    LimitedState::of(L).guarded(
        L, [&] { Logger("config").debug("print: ", std::string_view(text, len)); });
    return 0;
}

void open_library(lua_State* L, const char* name, lua_CFunction open) {
    luaL_requiref(L, name, open, 1);
    lua_pop(L, 1);
}

} // namespace

void push_sandbox_library(lua_State* L) {
    open_library(L, LUA_GNAME, luaopen_base);
    open_library(L, LUA_STRLIBNAME, luaopen_string);
    open_library(L, LUA_TABLIBNAME, luaopen_table);
    open_library(L, LUA_MATHLIBNAME, luaopen_math);
    open_library(L, LUA_UTF8LIBNAME, luaopen_utf8);

    // string.dump turns functions into bytecode; strings reach this table through their
    // metatable, so remove it from the real one.
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pushnil(L);
    lua_setfield(L, -2, "dump");
    lua_pop(L, 1);

    lua_createtable(L, 0, 16);
    for (const char* name : kBaseFunctions) {
        lua_getglobal(L, name);
        lua_setfield(L, -2, name);
    }
    for (const char* name : {LUA_STRLIBNAME, LUA_TABLIBNAME, LUA_MATHLIBNAME, LUA_UTF8LIBNAME}) {
        lua_getglobal(L, name);
        lua_setfield(L, -2, name);
    }
    lua_pushcfunction(L, &sandbox_pcall);
    lua_setfield(L, -2, "pcall");
    lua_pushcfunction(L, &sandbox_print);
    lua_setfield(L, -2, "print");
}

} // namespace cadenza::config::lua
