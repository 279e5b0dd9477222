// The clock of the "#ts=" stamps: publisher writes them and sse_load subtracts them from its own
// reading, so both processes must read the same clock; CLOCK_REALTIME is shared system-wide.
#pragma once

#include <cstdint>
#include <ctime>

namespace cadenza::bench {

inline std::int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

} // namespace cadenza::bench
