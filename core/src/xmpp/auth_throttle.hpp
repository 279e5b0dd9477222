// Slows down repeated SASL failures from one address: after a few failures within a window,
// each further failure is answered later and later (capped), so guessing passwords is slow
// while an honest typo costs nothing.
#pragma once

#include <chrono>
#include <string>
#include <unordered_map>

namespace cadenza::xmpp {

class AuthThrottle {
public:
    using Clock = std::chrono::steady_clock;

    // Records a failure from `address`; returns how long to wait before answering it.
    std::chrono::milliseconds failure(const std::string& address, Clock::time_point now) {
        prune(now);
        Entry& e = entries_[address];
        if (now - e.first > kWindow) {
            e = Entry{now, 0};
        }
        ++e.count;
        if (e.count <= kFree) {
            return std::chrono::milliseconds(0);
        }
        int doublings = std::min(e.count - kFree - 1, 5);
        return std::chrono::milliseconds(500 << doublings); // 0.5 s up to 16 s
    }
    void success(const std::string& address) { entries_.erase(address); }

private:
    static constexpr int kFree = 3;
    static constexpr std::chrono::minutes kWindow{5};
    struct Entry {
        Clock::time_point first;
        int count = 0;
    };
    // Bounded memory: forget old entries once the table grows.
    void prune(Clock::time_point now) {
        if (entries_.size() < 10000) {
            return;
        }
        std::erase_if(entries_, [now](const auto& kv) { return now - kv.second.first > kWindow; });
    }
    std::unordered_map<std::string, Entry> entries_;
};

} // namespace cadenza::xmpp
