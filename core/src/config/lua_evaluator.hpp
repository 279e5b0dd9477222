// The state of one config evaluation, shared by the C functions the config calls
// (lua_evaluator.cpp: the environment and the run; lua_directives.cpp: VirtualHost,
// Component, Include, FileContents, ...). Lives on the stack of load_config_*.
#pragma once

#include "config/config.hpp"
#include "config/config_builder.hpp"
#include "config/lua_state.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace cadenza::config {

class Evaluator {
public:
    Evaluator(Config& config, const EvalLimits& limits, lua::LimitedState& state)
        : builder_(config), config_(config), limits_(limits), state_(state) {}

    static Evaluator& of(lua_State* L) {
        return *static_cast<Evaluator*>(lua::LimitedState::of(L).user);
    }

    ConfigBuilder& builder() { return builder_; }
    const EvalLimits& limits() const { return limits_; }
    lua::LimitedState& state() { return state_; }

    // Registers a file about to be evaluated; returns its index for chunk_name().
    int add_file(const std::string& path, const std::string& dir);
    // Lua chunk names are "=\x01<index>\x01": short enough never to be truncated by Lua, and
    // mapped back to the path by clean_message().
    static std::string chunk_name(int index);
    // Replaces chunk names in a Lua message by the files' paths.
    std::string clean_message(std::string_view message) const;

    // The config-file line that is running: the nearest Lua frame from one of our chunks.
    SourceLocation caller(lua_State* L) const;
    // The directory relative paths are resolved against for that frame.
    const std::string& caller_dir(lua_State* L) const;

    // Loads `text` as the chunk of file `index`, runs it in the config environment and pops
    // it. Returns the Lua status; on failure the error object is left on the stack.
    int run_chunk(lua_State* L, std::string_view text, int index);

    // The main file's text.
    std::string_view main_text;
    // Include nesting, for the depth limit.
    int include_depth = 0;
    // Results kept here until pushed, so no C++ object is alive when Lua may raise an error.
    std::string scratch;
    std::vector<std::string> scratch_list;

private:
    int chunk_index(const char* source) const; // -1 when not one of ours
    int caller_file(lua_State* L, int* line) const;

    ConfigBuilder builder_;
    Config& config_;
    const EvalLimits& limits_;
    lua::LimitedState& state_;
    std::vector<std::string> dirs_; // per file index: base directory for relative paths
};

// The message of the error object on top of the stack, made readable. Does not pop it.
std::string lua_error_text(lua_State* L, const Evaluator& evaluator);

// Adds VirtualHost, Host, Component, Include, FileContents, ... to the table on top of the stack.
void register_directives(lua_State* L);

} // namespace cadenza::config
