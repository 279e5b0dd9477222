// Keep-alive scheduling for idle event streams, with work proportional to the streams that are
// due, not to the streams that are open.
//
// Streams with the same interval share one list ordered by their last send: a send moves the
// stream to the back, so the due streams are always at the front. One timer ticks four times a
// second for all lists while any stream is tracked, so a keep-alive comes at most a quarter of a
// second after the interval. Loop thread only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

struct event;
struct event_base;

namespace cadenza::http {

class KeepAlive {
public:
    // Embedded in each stream; `owner` is handed back to the fire callback.
    struct Entry {
        Entry* prev = nullptr;
        Entry* next = nullptr;
        void* owner = nullptr;
        std::uint64_t last_tick = 0;
        struct KeepAliveGroup* group = nullptr; // null: not tracked
    };
    // Called for an entry idle for its interval; it is already moved to the back, so the callback
    // may send (touch), remove it, or do nothing.
    using Fire = void (*)(Entry& entry, void* arg);

    KeepAlive(struct event_base* base, Fire fire, void* arg);
    ~KeepAlive();
    KeepAlive(const KeepAlive&) = delete;
    KeepAlive& operator=(const KeepAlive&) = delete;

    // Starts tracking `entry` with `interval_seconds` (> 0).
    void add(Entry& entry, int interval_seconds);
    // The stream just sent something: it is idle from now on.
    void touch(Entry& entry);
    void remove(Entry& entry);
    std::size_t size() const { return count_; }

    static constexpr int kTicksPerSecond = 4;
    // Runs one tick as the timer would (tests drive it directly).
    void tick();

private:
    static void on_timer(int fd, short what, void* arg);

    struct event_base* base_;
    Fire fire_;
    void* arg_;
    struct event* timer_ = nullptr;
    bool timer_running_ = false;
    std::uint64_t now_ = 0; // ticks so far
    std::size_t count_ = 0;
    std::vector<std::unique_ptr<struct KeepAliveGroup>> groups_;
};

} // namespace cadenza::http
