#include "config/lua_evaluator.hpp"

#include "config/config_files.hpp"
#include "config/known_options.hpp"
#include "config/lua_convert.hpp"
#include "config/lua_sandbox.hpp"

#include <cadenza/log.hpp>

#include <cstdlib>
#include <sstream>

namespace cadenza::config {
namespace {

// Registry keys: only their addresses matter.
char kLibraryKey;
char kEnvironmentKey;

constexpr char kChunkMark = '\x01';

// Reading a name: the config's functions and libraries first, then ENV_NAME from the process
// environment (as Prosody 0.12), then the option's value in the current section or the global
// one, so `https_ports = http_ports` works. Tables come back as copies.
int environment_index(lua_State* L) {
    if (lua_type(L, 2) != LUA_TSTRING) {
        lua_pushnil(L);
        return 1;
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &kLibraryKey);
    lua_pushvalue(L, 2);
    if (lua_rawget(L, -2) != LUA_TNIL) {
        return 1;
    }
    lua_pop(L, 2);
    std::size_t len = 0;
    const char* key = lua_tolstring(L, 2, &len);
    std::string_view name(key, len);
    if (name.starts_with("ENV_")) {
        const char* value = std::getenv(key + 4);
        if (value != nullptr) {
            lua_pushstring(L, value);
        } else {
            lua_pushnil(L);
        }
        return 1;
    }
    const ConfigValue* value = Evaluator::of(L).builder().lookup(name);
    if (value == nullptr) {
        lua_pushnil(L);
    } else {
        lua::push_config_value(L, *value);
    }
    return 1;
}

// Assigning a name sets the option in the current section; nil removes it.
int environment_newindex(lua_State* L) {
    Evaluator& ev = Evaluator::of(L);
    bool ok = ev.state().guarded(L, [&] {
        SourceLocation where = ev.caller(L);
        if (lua_type(L, 2) != LUA_TSTRING) {
            throw ConfigError(where.str() + ": option names must be strings, not a " +
                              luaL_typename(L, 2));
        }
        std::size_t len = 0;
        const char* key = lua_tolstring(L, 2, &len);
        std::string name(key, len);
        ConfigBuilder& builder = ev.builder();
        if (lua_isnil(L, 3)) {
            builder.remove(builder.current(), name);
            return;
        }
        builder.set(builder.current(), name, lua::to_config_value(L, 3, name, where));
    });
    return ok ? 0 : lua_error(L);
}

void create_environment(lua_State* L) {
    lua_createtable(L, 0, 0);
    lua_createtable(L, 0, 3);
    lua_pushcfunction(L, &environment_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, &environment_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, -2);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &kEnvironmentKey);
}

// The whole evaluation, inside one protected call: building the sandbox allocates too.
int run_main(lua_State* L) {
    Evaluator& ev = Evaluator::of(L);
    lua::push_sandbox_library(L);
    register_directives(L);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &kLibraryKey);
    create_environment(L);
    if (ev.run_chunk(L, ev.main_text, 0) != LUA_OK) {
        return lua_error(L);
    }
    return 0;
}

// Prosody options Cadenza accepts but does not use are only worth a debug line.
void log_ignored_options(const Config& config) {
    Logger log("config");
    if (!log_enabled(LogLevel::kDebug)) {
        return;
    }
    auto list = [&](const Section& section) {
        for (const auto& [name, value] : section.options) {
            if (is_ignored_prosody_option(name)) {
                log.debug("option '", name, "' (", value.where.str(),
                          ") is a Prosody option Cadenza does not use");
            }
        }
    };
    list(config.global);
    for (const auto& host : config.hosts) {
        list(host);
    }
}

Config evaluate(std::string text, const std::string& file, const std::string& base_dir,
                const EvalLimits& limits) {
    Config config;
    config.path = file;
    lua::LimitedState state(limits.max_memory, limits.max_instructions);
    Evaluator ev(config, limits, state);
    state.user = &ev;
    ev.add_file(file, base_dir);
    ev.main_text = text;

    lua_State* L = state.get();
    lua_pushcfunction(L, &run_main);
    int status = lua_pcall(L, 0, 0, 0);
    if (status != LUA_OK) {
        state.note_status(status);
        if (state.out_of_memory()) {
            throw ConfigError(file + ": config uses too much memory (more than " +
                              std::to_string(limits.max_memory >> 20) + " MiB)");
        }
        throw ConfigError(lua_error_text(L, ev));
    }
    log_ignored_options(config);
    return config;
}

} // namespace

int Evaluator::add_file(const std::string& path, const std::string& dir) {
    config_.files.push_back(path);
    dirs_.push_back(dir);
    return static_cast<int>(config_.files.size() - 1);
}

std::string Evaluator::chunk_name(int index) {
    return std::string("=") + kChunkMark + std::to_string(index) + kChunkMark;
}

std::string Evaluator::clean_message(std::string_view message) const {
    std::string out;
    std::size_t pos = 0;
    while (pos < message.size()) {
        std::size_t start = message.find(kChunkMark, pos);
        std::size_t end = start == std::string_view::npos ? std::string_view::npos
                                                          : message.find(kChunkMark, start + 1);
        if (end == std::string_view::npos) {
            break;
        }
        out.append(message.substr(pos, start - pos));
        std::string_view digits = message.substr(start + 1, end - start - 1);
        std::size_t index = 0;
        bool numeric = !digits.empty() && digits.size() < 6;
        for (char c : digits) {
            numeric = numeric && c >= '0' && c <= '9';
            index = index * 10 + static_cast<std::size_t>(c - '0');
        }
        if (numeric && index < config_.files.size()) {
            out += config_.files[index];
        } else {
            out.append(message.substr(start, end - start + 1));
        }
        pos = end + 1;
    }
    if (pos < message.size()) {
        out.append(message.substr(pos));
    }
    return out;
}

int Evaluator::chunk_index(const char* source) const {
    std::string_view s = source != nullptr ? source : "";
    if (s.size() < 4 || s[0] != '=' || s[1] != kChunkMark || s.back() != kChunkMark) {
        return -1;
    }
    int index = std::atoi(source + 2);
    return index >= 0 && static_cast<std::size_t>(index) < config_.files.size() ? index : -1;
}

int Evaluator::caller_file(lua_State* L, int* line) const {
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar) != 0; ++level) {
        lua_getinfo(L, "Sl", &ar);
        int index = chunk_index(ar.source);
        if (index >= 0) {
            *line = ar.currentline;
            return index;
        }
    }
    *line = 0;
    return 0;
}

SourceLocation Evaluator::caller(lua_State* L) const {
    int line = 0;
    int index = caller_file(L, &line);
    return {config_.files[static_cast<std::size_t>(index)], line};
}

const std::string& Evaluator::caller_dir(lua_State* L) const {
    int line = 0;
    return dirs_[static_cast<std::size_t>(caller_file(L, &line))];
}

int Evaluator::run_chunk(lua_State* L, std::string_view text, int index) {
    // Text mode only: precompiled bytecode can crash the Lua VM.
    int status = luaL_loadbufferx(L, text.data(), text.size(), chunk_name(index).c_str(), "t");
    if (status != LUA_OK) {
        return status;
    }
    lua_rawgetp(L, LUA_REGISTRYINDEX, &kEnvironmentKey);
    lua_setupvalue(L, -2, 1); // the chunk's only upvalue is _ENV
    return lua_pcall(L, 0, 0, 0);
}

std::string lua_error_text(lua_State* L, const Evaluator& evaluator) {
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
        std::size_t len = 0;
        const char* s = lua_tolstring(L, -1, &len);
        return evaluator.clean_message(std::string_view(s, len));
    }
    case LUA_TNUMBER: {
        std::ostringstream out;
        out << lua_tonumber(L, -1);
        return out.str();
    }
    default:
        return std::string("(error object is a ") + luaL_typename(L, -1) + " value)";
    }
}

Config load_config_file(const std::string& path, const EvalLimits& limits) {
    std::string text;
    try {
        text = files::read_file(path);
    } catch (const ConfigError& e) {
        throw ConfigError(std::string("config file: ") + e.what());
    }
    return evaluate(std::move(text), path, files::directory_of(path), limits);
}

Config load_config_string(std::string_view text, const std::string& chunk_name,
                          const std::string& base_dir, const EvalLimits& limits) {
    return evaluate(std::string(text), chunk_name, base_dir, limits);
}

} // namespace cadenza::config
