// The Lua library a config may use: string, table, math, utf8 and the harmless base functions.
// No os, io, require, load, dofile, debug, metatables or raw access: a config describes a
// server, it does not run programs.
#pragma once

#include <lua.hpp>

namespace cadenza::config::lua {

// Pushes a new table holding the allowed functions and libraries. Must run inside a protected
// call of a LimitedState (it allocates).
void push_sandbox_library(lua_State* L);

} // namespace cadenza::config::lua
