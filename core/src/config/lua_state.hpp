// A Lua 5.4 state with a memory cap and an instruction budget, for evaluating a config file.
//
// Lua reports errors with longjmp, which skips C++ destructors: code that calls Lua must hold
// no C++ object with a destructor across a call that can raise an error. guarded() runs C++
// work, turns its exception into a Lua error message, and leaves raising it to the caller.
#pragma once

#include <lua.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <string>

namespace cadenza::config::lua {

class LimitedState {
public:
    // Throws std::bad_alloc when Lua cannot create the state.
    LimitedState(std::size_t max_memory, std::uint64_t max_instructions);
    ~LimitedState();
    LimitedState(const LimitedState&) = delete;
    LimitedState& operator=(const LimitedState&) = delete;

    lua_State* get() const { return state_; }
    // The LimitedState that owns `L` (kept in the state's extra space).
    static LimitedState& of(lua_State* L);

    std::size_t max_memory() const { return max_memory_; }
    std::uint64_t max_instructions() const { return max_instructions_; }
    // The instruction budget ran out: every later hook call raises the error again, so a
    // config cannot catch its way past it.
    bool out_of_time() const { return out_of_time_; }
    // A protected call ended with a memory error (LUA_ERRMEM) somewhere.
    bool out_of_memory() const { return out_of_memory_; }
    // Records the status of a protected call; true when it must not be caught (time, memory).
    bool note_status(int status);

    // Whatever the embedder wants to reach from C functions (the evaluator).
    void* user = nullptr;

    // Runs fn(); on an exception, pushes its message and returns false, so the caller can
    // `return lua_error(L)` with nothing left to destroy.
    template <typename Fn> bool guarded(lua_State* L, Fn&& fn) {
        try {
            fn();
            return true;
        } catch (const std::exception& e) {
            set_error(e.what());
        } catch (...) {
            set_error("internal error");
        }
        lua_pushlstring(L, error_.data(), error_.size());
        return false;
    }

private:
    static void* allocate(void* ud, void* ptr, std::size_t old_size, std::size_t new_size);
    static void count_hook(lua_State* L, lua_Debug* ar);
    void set_error(const char* message) noexcept;

    lua_State* state_ = nullptr;
    std::size_t max_memory_;
    std::size_t used_ = 0;
    std::uint64_t max_instructions_;
    std::uint64_t instructions_ = 0;
    bool out_of_time_ = false;
    bool out_of_memory_ = false;
    std::string error_; // the message guarded() pushes; kept here so no local outlives a raise
};

} // namespace cadenza::config::lua
