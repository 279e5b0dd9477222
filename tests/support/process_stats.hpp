// What /proc says about a process (the server under test): resident memory and open file
// descriptors, for the churn and slow-consumer tests' leak checks.
#pragma once

#include <sys/types.h>

#include <string>

namespace cadenza::test {

// A field of /proc/<pid>/status in KiB ("VmRSS", "VmHWM"); -1 when missing.
long proc_status_kib(pid_t pid, const std::string& field);
// Open file descriptors of the process; -1 when /proc cannot tell.
int open_fds(pid_t pid);

// ASan's quarantine keeps freed memory resident (256 MiB by default) before reusing it, so
// under ASan a server's RSS grows with churn whether or not it leaks: memory bounds get this
// much slack there (the server is built like the test binary).
#if defined(__SANITIZE_ADDRESS__)
constexpr long kAsanRssSlackKib = 320L * 1024;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr long kAsanRssSlackKib = 320L * 1024;
#else
constexpr long kAsanRssSlackKib = 0;
#endif
#else
constexpr long kAsanRssSlackKib = 0;
#endif

} // namespace cadenza::test
