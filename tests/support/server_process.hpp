// Runs the real `cadenza` binary (or any program) as a child process for integration tests:
// generated config in a temp dir, stderr captured to a file, readiness and exit awaited with
// deadlines, stopped by the test.
#pragma once

#include "temp_dir.hpp"

#include <chrono>
#include <ctime>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace cadenza::test {

using namespace std::chrono_literals;

// Path from an environment variable set by meson (CADENZA_BINARY, ...); fails the test when
// missing.
std::string env_path(const char* name);

// A TCP port on 127.0.0.1 that was free a moment ago, chosen at random below the kernel's
// ephemeral range so that no outgoing connection takes it meanwhile.
int free_port();

// Polls `condition` every few milliseconds until it holds or `timeout` passes.
template <typename F> bool wait_until(F&& condition, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        struct timespec ts{0, 5 * 1000 * 1000};
        nanosleep(&ts, nullptr);
    }
    return true;
}

class Process {
public:
    // Starts argv[0] with the given arguments; stdout and stderr go to `output_file`, stdin
    // comes from `input_file`.
    Process(std::vector<std::string> argv, std::string output_file,
            const std::string& input_file = "/dev/null");
    ~Process(); // SIGKILL if still running
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }
    bool running();
    void signal(int signo) const;
    // Waits for the exit; the status (exit code, or 128 + signal) or nullopt on timeout.
    std::optional<int> wait_exit(std::chrono::milliseconds timeout);
    std::string output() const { return read_file(output_file_); }
    // Waits until the output contains `needle`.
    bool wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) const;

private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::string output_file_;
};

// Runs a program to completion (bounded by `timeout`) and returns its exit status and output.
struct RunResult {
    int status = -1;
    std::string output;
};
RunResult run_program(std::vector<std::string> argv, const TempDir& dir,
                      std::chrono::milliseconds timeout = 30s);
// The same with `input` as the program's standard input (written to a file in `dir`).
RunResult run_program_with_input(std::vector<std::string> argv, const TempDir& dir,
                                 std::string_view input,
                                 std::chrono::milliseconds timeout = 30s);

// The cadenza server on a generated config: writes `config` to <dir>/cadenza.cfg.lua, starts
// it and waits for "server started" in its log (or its exit).
class CadenzaServer {
public:
    CadenzaServer(const TempDir& dir, std::string_view config);
    ~CadenzaServer();

    // True once the server logged that it started; false if it exited or timed out.
    bool wait_started(std::chrono::milliseconds timeout = 20s);
    // SIGTERM, then the exit status (nullopt if it did not exit in time).
    std::optional<int> stop(std::chrono::milliseconds timeout = 10s);
    Process& process() { return *process_; }
    // This run's log (a restarted server appends to the same file).
    std::string log() const { return process_->output().substr(log_offset_); }
    const std::string& config_path() const { return config_path_; }

private:
    std::string config_path_;
    std::size_t log_offset_ = 0;
    std::unique_ptr<Process> process_;
};

// Writes `config` to <dir>/cadenza.cfg.lua and creates each user@`host` with the password
// "secret" through `cadenzactl register`, as an operator would. Returns "" when all went
// well, else the failing run's output.
std::string register_accounts(const TempDir& dir, const std::string& config,
                              std::initializer_list<std::string_view> users,
                              std::string_view host = "localhost");

// Stops `server` and fails the running test unless it exited 0 without an AddressSanitizer
// or UBSan report in its log (read from `log_file` when given: a test that restarted the
// server with a log file of its own). If the test has failed by then, prints the log's tail:
// on a failure nothing helps more.
void expect_clean_stop(CadenzaServer& server, const std::string& log_file = "");

} // namespace cadenza::test
