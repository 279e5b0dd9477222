// The timers of one loaded module: libevent timer events whose callbacks cannot throw into the
// loop and which all go away when the module unloads.
#pragma once

#include <cadenza/log.hpp>
#include <cadenza/module.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>

struct event_base;

namespace cadenza::modules {

class TimerSet {
public:
    using Callback = std::function<std::optional<std::chrono::milliseconds>()>;

    // `base` may be null (cadenzactl): add() then throws. `log` names the module in messages.
    TimerSet(struct event_base* base, Logger log);
    ~TimerSet(); // cancels every timer
    TimerSet(const TimerSet&) = delete;
    TimerSet& operator=(const TimerSet&) = delete;

    // Runs `callback` after `delay` (negative counts as zero), then again after each delay it
    // returns, until it returns nullopt, throws (logged) or is cancelled.
    // Throws std::logic_error without an event loop, std::runtime_error if libevent fails.
    TimerId add(std::chrono::milliseconds delay, Callback callback);
    // Unknown ids are ignored. Safe from inside the timer's own callback.
    void cancel(TimerId id);
    void cancel_all();
    std::size_t size() const { return timers_.size(); }

private:
    struct Timer;
    static void on_fire(int fd, short what, void* arg);

    struct event_base* base_;
    Logger log_;
    TimerId next_id_ = 1;
    // shared_ptr: a firing callback keeps its Timer alive even when cancelled meanwhile.
    std::map<TimerId, std::shared_ptr<Timer>> timers_;
};

} // namespace cadenza::modules
