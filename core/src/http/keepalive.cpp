#include "http/keepalive.hpp"

#include <event2/event.h>

namespace cadenza::http {

// A circular list with a sentinel, so linking and unlinking never branch on the ends.
struct KeepAliveGroup {
    int interval = 0;
    KeepAlive::Entry head;
    KeepAliveGroup() { head.prev = head.next = &head; }
};

namespace {

void unlink(KeepAlive::Entry& e) {
    e.prev->next = e.next;
    e.next->prev = e.prev;
    e.prev = e.next = nullptr;
}

void link_back(KeepAliveGroup& g, KeepAlive::Entry& e) {
    e.prev = g.head.prev;
    e.next = &g.head;
    g.head.prev->next = &e;
    g.head.prev = &e;
}

} // namespace

KeepAlive::KeepAlive(struct event_base* base, Fire fire, void* arg)
    : base_(base), fire_(fire), arg_(arg) {
    if (base_ != nullptr) {
        timer_ = event_new(base_, -1, EV_PERSIST, &KeepAlive::on_timer, this);
    }
}

KeepAlive::~KeepAlive() {
    if (timer_ != nullptr) {
        event_free(timer_);
    }
}

void KeepAlive::add(Entry& entry, int interval_seconds) {
    if (interval_seconds <= 0 || entry.group != nullptr) {
        return;
    }
    KeepAliveGroup* group = nullptr;
    for (auto& g : groups_) {
        if (g->interval == interval_seconds) {
            group = g.get();
        }
    }
    if (group == nullptr) {
        groups_.push_back(std::make_unique<KeepAliveGroup>());
        group = groups_.back().get();
        group->interval = interval_seconds;
    }
    entry.group = group;
    entry.last_tick = now_;
    link_back(*group, entry);
    if (++count_ == 1 && timer_ != nullptr && !timer_running_) {
        const timeval period{0, 1000000 / kTicksPerSecond};
        event_add(timer_, &period);
        timer_running_ = true;
    }
}

void KeepAlive::touch(Entry& entry) {
    if (entry.group == nullptr) {
        return;
    }
    entry.last_tick = now_;
    if (entry.next != &entry.group->head) {
        unlink(entry);
        link_back(*entry.group, entry);
    }
}

void KeepAlive::remove(Entry& entry) {
    if (entry.group == nullptr) {
        return;
    }
    unlink(entry);
    entry.group = nullptr;
    if (--count_ == 0 && timer_running_) {
        event_del(timer_);
        timer_running_ = false;
    }
}

void KeepAlive::tick() {
    ++now_;
    // A send between two ticks counts from the earlier one, so "more than the interval" keeps a
    // stream quiet at least the whole interval.
    for (std::size_t i = 0; i < groups_.size(); ++i) {
        KeepAliveGroup& g = *groups_[i];
        auto interval = static_cast<std::uint64_t>(g.interval) * kTicksPerSecond;
        while (g.head.next != &g.head && now_ - g.head.next->last_tick > interval) {
            Entry& e = *g.head.next;
            touch(e);
            fire_(e, arg_);
        }
    }
}

void KeepAlive::on_timer(int, short, void* arg) {
    static_cast<KeepAlive*>(arg)->tick();
}

} // namespace cadenza::http
