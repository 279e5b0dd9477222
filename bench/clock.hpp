// The clocks of the bench tools. now_ns() is the clock of the "#ts=" stamps: publisher writes
// them and sse_load subtracts them from its own reading, so both processes must read the same
// clock; CLOCK_REALTIME is shared system-wide.
#pragma once

#include <sys/resource.h>

#include <cstdint>
#include <ctime>

namespace cadenza::bench {

inline std::int64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return std::int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

// This process's CPU time so far (user + system, all threads), in seconds.
inline double process_cpu_seconds() {
    rusage r{};
    getrusage(RUSAGE_SELF, &r);
    return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
           static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

} // namespace cadenza::bench
