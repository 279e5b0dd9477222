// The hook bus: named events with typed payloads, as Prosody's module:hook/module:fire_event.
//
// Every host has a bus and the server has a global one. Handlers run by priority, higher
// first; equal priorities run in registration order. Whoever fires an event decides its kind:
//
//  - notify(): every handler runs (observers cannot starve each other); returns how many ran.
//  - dispatch(): handlers run until one returns HookResult::kHandled, which stops the event;
//    returns whether one did.
//
// An event name carries one payload type; hooking or firing it with another type throws
// std::logic_error. Handlers may add or remove hooks, even their own, while an event is being
// fired: a handler removed during a fire does not run later in that fire, and a handler added
// during a fire first runs at the next fire. Single-threaded: use on the server's loop only.
// A payload is borrowed for the duration of the fire.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <typeindex>
#include <typeinfo>

namespace cadenza {

enum class HookResult { kPass, kHandled };

// Named priority bands. Anything in between is fine too.
namespace hook_priority {
inline constexpr int kFirst = 1000;  // runs before everything else (veto points, rewriting)
inline constexpr int kHigh = 100;
inline constexpr int kDefault = 0;
inline constexpr int kLow = -100;
inline constexpr int kLast = -1000;  // fallbacks, e.g. answering service-unavailable
} // namespace hook_priority

using HookId = std::uint64_t;

class HookBus {
public:
    // `name` appears in debug traces ("host example.org", "global").
    explicit HookBus(std::string name);
    ~HookBus();
    HookBus(const HookBus&) = delete;
    HookBus& operator=(const HookBus&) = delete;

    // Registers a handler. `owner` names who registered it (a module name) for traces.
    // The returned id removes it again; ids are unique across all buses of the process.
    template <typename Payload>
    HookId add(std::string_view event, std::function<HookResult(Payload&)> handler,
               int priority = hook_priority::kDefault, std::string owner = {}) {
        return add_erased(
            event, typeid(Payload),
            [h = std::move(handler)](void* p) { return h(*static_cast<Payload*>(p)); }, priority,
            std::move(owner));
    }
    // Convenience for observers that never stop an event.
    template <typename Payload>
    HookId observe(std::string_view event, std::function<void(Payload&)> handler,
                   int priority = hook_priority::kDefault, std::string owner = {}) {
        return add<Payload>(
            event,
            [h = std::move(handler)](Payload& p) {
                h(p);
                return HookResult::kPass;
            },
            priority, std::move(owner));
    }

    // Removes a handler; false when the id is unknown (already removed).
    bool remove(HookId id);

    template <typename Payload> std::size_t notify(std::string_view event, Payload& payload) {
        return fire_erased(event, typeid(Payload), &payload, false).ran;
    }
    template <typename Payload> bool dispatch(std::string_view event, Payload& payload) {
        return fire_erased(event, typeid(Payload), &payload, true).handled;
    }

    bool has_handlers(std::string_view event) const;
    std::size_t handler_count(std::string_view event) const;

private:
    struct FireResult {
        std::size_t ran = 0;
        bool handled = false;
    };
    using ErasedHandler = std::function<HookResult(void*)>;
    HookId add_erased(std::string_view event, const std::type_info& type, ErasedHandler handler,
                      int priority, std::string owner);
    FireResult fire_erased(std::string_view event, const std::type_info& type, void* payload,
                           bool stop_when_handled);

    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace cadenza
