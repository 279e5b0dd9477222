// Converting between Lua values and ConfigValue.
#pragma once

#include <cadenza/config.hpp>

#include <lua.hpp>

#include <string>

namespace cadenza::config::lua {

// Converts the value at `index` (not nil). Booleans, integers, floats, strings and tables of
// those; a table keeps its list part 1..n in order and its string keys. Anything else (a
// function, a key that is neither a string nor a list position, a gap in a list, a table that
// contains itself) throws ConfigError naming the option and `where`. Uses only raw access,
// so it raises no Lua error.
ConfigValue to_config_value(lua_State* L, int index, const std::string& option,
                            const SourceLocation& where);

// Pushes a fresh Lua copy of `value`. May raise a Lua (memory) error; holds no C++ object
// that would need destroying.
void push_config_value(lua_State* L, const ConfigValue& value);

} // namespace cadenza::config::lua
