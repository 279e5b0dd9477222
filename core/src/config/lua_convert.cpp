#include "config/lua_convert.hpp"

#include <algorithm>
#include <set>
#include <sstream>

namespace cadenza::config::lua {
namespace {

// Deep enough for any real config, shallow enough for the C++ stack.
constexpr int kMaxDepth = 32;

class Converter {
public:
    Converter(lua_State* L, const SourceLocation& where) : L_(L), where_(where) {}

    ConfigValue convert(int index, const std::string& path, int depth) {
        ConfigValue value;
        switch (lua_type(L_, index)) {
        case LUA_TBOOLEAN:
            value = ConfigValue(lua_toboolean(L_, index) != 0);
            break;
        case LUA_TNUMBER:
            if (lua_isinteger(L_, index)) {
                value = ConfigValue(static_cast<std::int64_t>(lua_tointeger(L_, index)));
            } else {
                value = ConfigValue(static_cast<double>(lua_tonumber(L_, index)));
            }
            break;
        case LUA_TSTRING: {
            std::size_t len = 0;
            const char* s = lua_tolstring(L_, index, &len);
            value = ConfigValue(std::string(s, len));
            break;
        }
        case LUA_TTABLE:
            value = ConfigValue(convert_table(lua_absindex(L_, index), path, depth));
            break;
        default:
            fail(path, std::string("cannot hold a ") + luaL_typename(L_, index) +
                           " (only booleans, numbers, strings and tables)");
        }
        value.where = where_;
        return value;
    }

private:
    ConfigValue::Table convert_table(int index, const std::string& path, int depth) {
        if (depth >= kMaxDepth) {
            fail(path, "nests tables more than " + std::to_string(kMaxDepth) + " deep");
        }
        const void* identity = lua_topointer(L_, index);
        if (!open_.insert(identity).second) {
            fail(path, "contains itself");
        }
        if (!lua_checkstack(L_, 4)) {
            fail(path, "is too large");
        }
        ConfigValue::Table table;
        // First pass: check the keys and find the list's length, so the list comes out in order.
        lua_Integer list_length = 0;
        lua_Integer list_count = 0;
        lua_pushnil(L_);
        while (lua_next(L_, index) != 0) {
            if (lua_type(L_, -2) == LUA_TSTRING) {
                std::size_t len = 0;
                const char* key = lua_tolstring(L_, -2, &len);
                std::string name(key, len);
                table.map.insert_or_assign(name, convert(-1, path + "." + name, depth + 1));
            } else if (lua_isinteger(L_, -2) && lua_tointeger(L_, -2) > 0) {
                list_length = std::max(list_length, lua_tointeger(L_, -2));
                ++list_count;
            } else {
                fail(path, "has the key " + key_text(-2) +
                               " (keys must be strings or list positions 1, 2, ...)");
            }
            lua_pop(L_, 1);
        }
        if (list_count != list_length) {
            fail(path, "is a list with gaps (it has " + std::to_string(list_count) +
                           " items but goes up to position " + std::to_string(list_length) + ")");
        }
        table.array.reserve(static_cast<std::size_t>(list_length));
        for (lua_Integer i = 1; i <= list_length; ++i) {
            lua_rawgeti(L_, index, i);
            table.array.push_back(convert(-1, path + "[" + std::to_string(i) + "]", depth + 1));
            lua_pop(L_, 1);
        }
        open_.erase(identity);
        return table;
    }

    std::string key_text(int index) const {
        std::ostringstream out;
        switch (lua_type(L_, index)) {
        case LUA_TNUMBER:
            if (lua_isinteger(L_, index)) {
                out << lua_tointeger(L_, index);
            } else {
                out << lua_tonumber(L_, index);
            }
            break;
        case LUA_TBOOLEAN:
            out << (lua_toboolean(L_, index) != 0 ? "true" : "false");
            break;
        default:
            out << "of type " << luaL_typename(L_, index);
        }
        return out.str();
    }

    [[noreturn]] void fail(const std::string& path, const std::string& why) const {
        throw ConfigError(where_.str() + ": option '" + path + "' " + why);
    }

    lua_State* L_;
    const SourceLocation& where_;
    std::set<const void*> open_; // tables being converted: seeing one again is a cycle
};

} // namespace

ConfigValue to_config_value(lua_State* L, int index, const std::string& option,
                            const SourceLocation& where) {
    Converter converter(L, where);
    return converter.convert(lua_absindex(L, index), option, 0);
}

void push_config_value(lua_State* L, const ConfigValue& value) {
    luaL_checkstack(L, 3, "config value too deep");
    switch (value.type()) {
    case ConfigValue::Type::kBoolean:
        lua_pushboolean(L, value.as_boolean() ? 1 : 0);
        return;
    case ConfigValue::Type::kInteger:
        lua_pushinteger(L, static_cast<lua_Integer>(value.as_integer()));
        return;
    case ConfigValue::Type::kNumber:
        lua_pushnumber(L, static_cast<lua_Number>(value.as_number()));
        return;
    case ConfigValue::Type::kString:
        lua_pushlstring(L, value.as_string().data(), value.as_string().size());
        return;
    case ConfigValue::Type::kTable:
        break;
    }
    const ConfigValue::Table& table = value.as_table();
    lua_createtable(L, static_cast<int>(table.array.size()), static_cast<int>(table.map.size()));
    lua_Integer i = 0;
    for (const ConfigValue& item : table.array) {
        push_config_value(L, item);
        lua_rawseti(L, -2, ++i);
    }
    for (const auto& entry : table.map) {
        lua_pushlstring(L, entry.first.data(), entry.first.size());
        push_config_value(L, entry.second);
        lua_rawset(L, -3);
    }
}

} // namespace cadenza::config::lua
