#include "modules/module_timers.hpp"

#include <event2/event.h>

#include <stdexcept>

namespace cadenza::modules {

struct TimerSet::Timer : std::enable_shared_from_this<Timer> {
    TimerSet* owner = nullptr; // only valid while !cancelled
    TimerId id = 0;
    struct event* ev = nullptr;
    Callback callback;
    Logger log;
    bool cancelled = false;
};

namespace {

bool schedule(struct event* ev, std::chrono::milliseconds delay) {
    auto ms = delay.count() < 0 ? 0 : delay.count();
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(ms / 1000);
    tv.tv_usec = static_cast<suseconds_t>((ms % 1000) * 1000);
    return evtimer_add(ev, &tv) == 0;
}

} // namespace

TimerSet::TimerSet(struct event_base* base, Logger log) : base_(base), log_(std::move(log)) {}

TimerSet::~TimerSet() {
    cancel_all();
}

TimerId TimerSet::add(std::chrono::milliseconds delay, Callback callback) {
    if (base_ == nullptr) {
        throw std::logic_error("timers need the server's event loop, which this program "
                               "(cadenzactl) does not run");
    }
    auto timer = std::make_shared<Timer>();
    timer->owner = this;
    timer->id = next_id_++;
    timer->callback = std::move(callback);
    timer->log = log_;
    timer->ev = event_new(base_, -1, 0, &TimerSet::on_fire, timer.get());
    if (timer->ev == nullptr || !schedule(timer->ev, delay)) {
        if (timer->ev != nullptr) {
            event_free(timer->ev);
        }
        throw std::runtime_error("cannot create a timer event");
    }
    timers_.emplace(timer->id, timer);
    return timer->id;
}

void TimerSet::cancel(TimerId id) {
    auto it = timers_.find(id);
    if (it == timers_.end()) {
        return;
    }
    Timer& t = *it->second;
    event_free(t.ev); // allowed from the event's own callback: it is not pending then
    t.ev = nullptr;
    t.cancelled = true;
    timers_.erase(it);
}

void TimerSet::cancel_all() {
    while (!timers_.empty()) {
        cancel(timers_.begin()->first);
    }
}

void TimerSet::on_fire(int /*fd*/, short /*what*/, void* arg) {
    std::shared_ptr<Timer> timer = static_cast<Timer*>(arg)->shared_from_this();
    std::optional<std::chrono::milliseconds> next;
    try {
        next = timer->callback();
    } catch (const std::exception& e) {
        timer->log.error("timer failed and is stopped: ", e.what());
    } catch (...) {
        timer->log.error("timer failed with a non-standard exception and is stopped");
    }
    // The callback may have cancelled this timer or unloaded the module (destroying owner).
    if (timer->cancelled) {
        return;
    }
    if (!next) {
        timer->owner->cancel(timer->id);
        return;
    }
    if (!schedule(timer->ev, *next)) {
        timer->log.error("cannot reschedule a timer; it is stopped");
        timer->owner->cancel(timer->id);
    }
}

} // namespace cadenza::modules
