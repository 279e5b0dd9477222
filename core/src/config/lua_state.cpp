#include "config/lua_state.hpp"

#include <cstdio>
#include <cstdlib>
#include <new>

namespace cadenza::config::lua {
namespace {

// The hook runs every kHookEvery instructions: rare enough to cost nothing measurable.
constexpr int kHookEvery = 1000;

} // namespace

LimitedState::LimitedState(std::size_t max_memory, std::uint64_t max_instructions)
    : max_memory_(max_memory), max_instructions_(max_instructions) {
    state_ = lua_newstate(&LimitedState::allocate, this);
    if (state_ == nullptr) {
        throw std::bad_alloc();
    }
    *static_cast<LimitedState**>(lua_getextraspace(state_)) = this;
    lua_sethook(state_, &LimitedState::count_hook, LUA_MASKCOUNT, kHookEvery);
}

LimitedState::~LimitedState() {
    lua_close(state_);
}

LimitedState& LimitedState::of(lua_State* L) {
    return **static_cast<LimitedState**>(lua_getextraspace(L));
}

bool LimitedState::note_status(int status) {
    if (status == LUA_ERRMEM) {
        out_of_memory_ = true;
    }
    return out_of_memory_ || out_of_time_;
}

void LimitedState::set_error(const char* message) noexcept {
    try {
        error_ = message;
    } catch (...) {
        error_.clear();
    }
}

void* LimitedState::allocate(void* ud, void* ptr, std::size_t old_size, std::size_t new_size) {
    auto* self = static_cast<LimitedState*>(ud);
    // When ptr is null, old_size tells the kind of object, not a size.
    std::size_t held = ptr != nullptr ? old_size : 0;
    if (new_size == 0) {
        std::free(ptr);
        self->used_ -= held;
        return nullptr;
    }
    if (new_size > held && self->used_ - held + new_size > self->max_memory_) {
        return nullptr; // Lua collects garbage and retries, then raises "not enough memory"
    }
    void* block = std::realloc(ptr, new_size);
    if (block != nullptr) {
        self->used_ = self->used_ - held + new_size;
    }
    return block;
}

void LimitedState::count_hook(lua_State* L, lua_Debug* ar) {
    LimitedState& self = of(L);
    self.instructions_ += kHookEvery;
    if (self.instructions_ <= self.max_instructions_ && !self.out_of_time_) {
        return;
    }
    self.out_of_time_ = true;
    char message[256];
    lua_getinfo(L, "Sl", ar);
    if (ar->currentline > 0) {
        std::snprintf(message, sizeof message, "%s:%d: ", ar->short_src, ar->currentline);
    } else {
        message[0] = '\0';
    }
    std::size_t used = std::char_traits<char>::length(message);
    std::snprintf(message + used, sizeof message - used,
                  "config takes too long (more than %llu Lua instructions; an endless loop?)",
                  static_cast<unsigned long long>(self.max_instructions_));
    lua_pushstring(L, message);
    lua_error(L);
}

} // namespace cadenza::config::lua
