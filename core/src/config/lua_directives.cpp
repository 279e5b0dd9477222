// The functions a Prosody config calls: VirtualHost, Component, Include and the file readers.
// Each does its C++ work inside guarded() and touches Lua's allocator only afterwards.
#include "config/config_files.hpp"
#include "config/lua_convert.hpp"
#include "config/lua_evaluator.hpp"

#include <cstdlib>

namespace cadenza::config {
namespace {

std::string type_of(lua_State* L, int index) {
    return std::string("a ") + luaL_typename(L, index);
}

const char* kind_name(SectionKind kind) {
    return kind == SectionKind::kComponent ? "Component" : "VirtualHost";
}

// The string argument `index` of directive `what`, or a ConfigError at the caller's line.
std::string string_argument(lua_State* L, Evaluator& ev, int index, const char* what) {
    if (lua_type(L, index) != LUA_TSTRING) {
        throw ConfigError(ev.caller(L).str() + ": " + what + " needs a name in quotes" +
                          (lua_isnone(L, index) ? "" : ", not " + type_of(L, index)));
    }
    std::size_t len = 0;
    const char* s = lua_tolstring(L, index, &len);
    return std::string(s, len);
}

// `VirtualHost "x" { ... }` and `Component "x" "m" { ... }`: options for that host. As in
// Prosody, the lines after such a block belong to the global section again.
void apply_options(lua_State* L, Evaluator& ev, int host) {
    ConfigBuilder& builder = ev.builder();
    builder.make_current(ConfigBuilder::kGlobal);
    const Section& section = builder.section(host);
    SourceLocation where = ev.caller(L);
    if (lua_type(L, 1) == LUA_TSTRING && section.kind == SectionKind::kVirtualHost) {
        throw ConfigError(where.str() + ": VirtualHost entries do not take a module name ('" +
                          std::string(lua_tostring(L, 1)) + "' given for host '" + section.name +
                          "'); did you mean Component?");
    }
    if (lua_type(L, 1) != LUA_TTABLE) {
        throw ConfigError(where.str() + ": expected an options table after " +
                          kind_name(section.kind) + " \"" + section.name + "\", not " +
                          type_of(L, 1));
    }
    if (!lua_checkstack(L, 3)) {
        throw ConfigError(where.str() + ": options table too large");
    }
    lua_pushnil(L);
    while (lua_next(L, 1) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            throw ConfigError(where.str() + ": option names in the table of " +
                              kind_name(section.kind) + " \"" + section.name +
                              "\" must be strings, not " + type_of(L, -2));
        }
        std::size_t len = 0;
        const char* key = lua_tolstring(L, -2, &len);
        std::string name(key, len);
        builder.set(host, name, lua::to_config_value(L, -1, name, where));
        lua_pop(L, 1);
    }
}

int host_options(lua_State* L) {
    Evaluator& ev = Evaluator::of(L);
    auto host = static_cast<int>(lua_tointeger(L, lua_upvalueindex(1)));
    bool ok = ev.state().guarded(L, [&] { apply_options(L, ev, host); });
    return ok ? 0 : lua_error(L);
}

int open_host(lua_State* L, SectionKind kind, lua_CFunction next) {
    Evaluator& ev = Evaluator::of(L);
    int host = 0;
    bool ok = ev.state().guarded(L, [&] {
        std::string name = string_argument(L, ev, 1, kind_name(kind));
        host = ev.builder().open_host(name, kind, ev.caller(L));
    });
    if (!ok) {
        return lua_error(L);
    }
    lua_pushinteger(L, host);
    lua_pushcclosure(L, next, 1);
    return 1;
}

int virtual_host(lua_State* L) {
    return open_host(L, SectionKind::kVirtualHost, &host_options);
}

// What follows `Component "x"`: the module name (then maybe an options table), or the table.
int component_next(lua_State* L) {
    Evaluator& ev = Evaluator::of(L);
    auto host = static_cast<int>(lua_tointeger(L, lua_upvalueindex(1)));
    if (lua_type(L, 1) != LUA_TSTRING) {
        return host_options(L);
    }
    std::size_t len = 0;
    const char* module = lua_tolstring(L, 1, &len);
    bool ok = ev.state().guarded(
        L, [&] { ev.builder().set_component_module(host, std::string(module, len)); });
    if (!ok) {
        return lua_error(L);
    }
    lua_pushinteger(L, host);
    lua_pushcclosure(L, &host_options, 1);
    return 1;
}

int component(lua_State* L) {
    return open_host(L, SectionKind::kComponent, &component_next);
}

// Runs one included file. Prosody evaluates it from the global section; the including file
// then carries on in the section it was in.
void run_included(lua_State* L, Evaluator& ev, const std::string& path,
                  const SourceLocation& where) {
    std::string text;
    try {
        text = files::read_file(path);
    } catch (const ConfigError& e) {
        throw ConfigError(where.str() + ": Include: " + e.what());
    }
    int index = ev.add_file(path, files::directory_of(path));
    ConfigBuilder& builder = ev.builder();
    int saved = builder.current();
    builder.make_current(ConfigBuilder::kGlobal);
    ++ev.include_depth;
    int status = ev.run_chunk(L, text, index);
    --ev.include_depth;
    builder.make_current(saved);
    if (status != LUA_OK) {
        ev.state().note_status(status);
        std::string message = lua_error_text(L, ev);
        lua_pop(L, 1);
        throw ConfigError(message);
    }
}

int include(lua_State* L) {
    Evaluator& ev = Evaluator::of(L);
    bool ok = ev.state().guarded(L, [&] {
        SourceLocation where = ev.caller(L);
        std::string name = string_argument(L, ev, 1, "Include");
        if (ev.include_depth >= ev.limits().max_include_depth) {
            throw ConfigError(where.str() + ": Include \"" + name + "\" nests more than " +
                              std::to_string(ev.limits().max_include_depth) +
                              " levels deep (does a file include itself?)");
        }
        std::string path = files::resolve(ev.caller_dir(L), name);
        if (!files::has_wildcard(name)) {
            run_included(L, ev, path, where);
            return;
        }
        std::vector<std::string> matches;
        try {
            matches = files::expand_glob(path);
        } catch (const ConfigError& e) {
            throw ConfigError(where.str() + ": Include: " + e.what());
        }
        for (const auto& match : matches) {
            run_included(L, ev, match, where);
        }
    });
    return ok ? 0 : lua_error(L);
}

// FileContents, FileLine, FileLines (Prosody 0.12) and Credential (systemd credentials) read
// a file relative to the config file that calls them.
std::string read_argument_file(lua_State* L, Evaluator& ev, const char* what,
                               const std::string& base_dir) {
    SourceLocation where = ev.caller(L);
    std::string name = string_argument(L, ev, 1, what);
    try {
        return files::read_file(files::resolve(base_dir, name));
    } catch (const ConfigError& e) {
        throw ConfigError(where.str() + ": " + what + ": " + e.what());
    }
}

void split_lines(const std::string& text, std::vector<std::string>& lines) {
    lines.clear();
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string::npos) {
            end = text.size();
        }
        std::size_t stop = end > pos && text[end - 1] == '\r' ? end - 1 : end;
        lines.emplace_back(text, pos, stop - pos);
        pos = end + 1;
    }
}

int push_scratch(lua_State* L, bool ok) {
    if (!ok) {
        return lua_error(L);
    }
    const std::string& s = Evaluator::of(L).scratch;
    lua_pushlstring(L, s.data(), s.size());
    return 1;
}

int file_contents(lua_State* L) {
    Evaluator& ev = Evaluator::of(L);
    return push_scratch(L, ev.state().guarded(L, [&] {
        ev.scratch = read_argument_file(L, ev, "FileContents", ev.caller_dir(L));
    }));
}

int file_line(lua_State* L) {
    Evaluator& ev = Evaluator::of(L);
    return push_scratch(L, ev.state().guarded(L, [&] {
        split_lines(read_argument_file(L, ev, "FileLine", ev.caller_dir(L)), ev.scratch_list);
        ev.scratch = ev.scratch_list.empty() ? std::string() : ev.scratch_list.front();
    }));
}

int file_lines(lua_State* L) {
    Evaluator& ev = Evaluator::of(L);
    bool ok = ev.state().guarded(L, [&] {
        split_lines(read_argument_file(L, ev, "FileLines", ev.caller_dir(L)), ev.scratch_list);
    });
    if (!ok) {
        return lua_error(L);
    }
    const auto& lines = ev.scratch_list;
    lua_createtable(L, static_cast<int>(lines.size()), 0);
    lua_Integer i = 0;
    for (const std::string& line : lines) {
        lua_pushlstring(L, line.data(), line.size());
        lua_rawseti(L, -2, ++i);
    }
    return 1;
}

int credential(lua_State* L) {
    Evaluator& ev = Evaluator::of(L);
    return push_scratch(L, ev.state().guarded(L, [&] {
        const char* dir = std::getenv("CREDENTIALS_DIRECTORY");
        if (dir == nullptr || *dir == '\0') {
            throw ConfigError(ev.caller(L).str() +
                              ": Credential() needs the CREDENTIALS_DIRECTORY environment "
                              "variable (set by systemd's LoadCredential=)");
        }
        ev.scratch = read_argument_file(L, ev, "Credential", dir);
    }));
}

} // namespace

void register_directives(lua_State* L) {
    const luaL_Reg directives[] = {
        {"VirtualHost", &virtual_host}, {"Host", &virtual_host},          {"host", &virtual_host},
        {"Component", &component},      {"component", &component},        {"Include", &include},
        {"include", &include},          {"FileContents", &file_contents}, {"FileLine", &file_line},
        {"FileLines", &file_lines},     {"Credential", &credential},      {nullptr, nullptr},
    };
    luaL_setfuncs(L, directives, 0);
}

} // namespace cadenza::config
