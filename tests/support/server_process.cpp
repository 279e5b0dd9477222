#include "server_process.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <netinet/in.h>
#include <random>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace cadenza::test {
namespace {

// A server that closes a connection must not kill the test that still writes to it.
const bool kSigpipeIgnored = [] {
    std::signal(SIGPIPE, SIG_IGN);
    return true;
}();

} // namespace

std::string env_path(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        ADD_FAILURE() << "environment variable " << name << " is not set (run through meson test)";
        return {};
    }
    return value;
}

namespace {

// The lowest port the kernel hands out to outgoing connections (ip_local_port_range).
int ephemeral_low() {
    std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
    int low = 0;
    return range >> low ? low : 32768;
}

bool bindable(int port) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    return ok;
}

} // namespace

int free_port() {
    // Below the ephemeral range: a port handed out by bind(0) can be taken a moment later by
    // the client side of any connection (the churn tests open thousands), and the server
    // then fails to listen. Ports below the range are only ever taken on purpose.
    static std::mt19937 random(std::random_device{}());
    int high = ephemeral_low() - 1;
    int low = high > 20000 ? high - 10000 : 10000;
    std::uniform_int_distribution<int> pick(low, std::max(low, high));
    for (int attempt = 0; attempt < 200; ++attempt) {
        int port = pick(random);
        if (bindable(port)) {
            return port;
        }
    }
    return -1;
}

Process::Process(std::vector<std::string> argv, std::string output_file,
                 const std::string& input_file)
    : output_file_(std::move(output_file)) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, output_file_.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    posix_spawn_file_actions_addopen(&actions, 0, input_file.c_str(), O_RDONLY, 0);
    std::vector<char*> args;
    for (auto& a : argv) {
        args.push_back(a.data());
    }
    args.push_back(nullptr);
    int rc = posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        ADD_FAILURE() << "cannot start " << argv[0] << ": " << std::strerror(rc);
        pid_ = -1;
    }
}

Process::~Process() {
    if (running()) {
        ::kill(pid_, SIGKILL);
        wait_exit(10s);
    }
}

bool Process::running() {
    if (pid_ <= 0 || status_) {
        return false;
    }
    int status = 0;
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return false;
    }
    return true;
}

void Process::signal(int signo) const {
    if (pid_ > 0) {
        ::kill(pid_, signo);
    }
}

std::optional<int> Process::wait_exit(std::chrono::milliseconds timeout) {
    wait_until([&] { return !running(); }, timeout);
    return status_;
}

bool Process::wait_for_output(std::string_view needle, std::chrono::milliseconds timeout) const {
    return wait_until([&] { return output().find(needle) != std::string::npos; }, timeout);
}

namespace {

RunResult run_with_stdin(std::vector<std::string> argv, const TempDir& dir,
                         std::optional<std::string_view> input,
                         std::chrono::milliseconds timeout) {
    static int counter = 0;
    std::string name = "run-" + std::to_string(++counter);
    std::string out = dir.file(name + ".out");
    std::string in = input ? dir.write(name + ".in", *input) : std::string("/dev/null");
    Process p(std::move(argv), out, in);
    RunResult result;
    auto status = p.wait_exit(timeout);
    result.status = status.value_or(-1);
    result.output = p.output();
    return result;
}

} // namespace

RunResult run_program(std::vector<std::string> argv, const TempDir& dir,
                      std::chrono::milliseconds timeout) {
    return run_with_stdin(std::move(argv), dir, std::nullopt, timeout);
}

RunResult run_program_with_input(std::vector<std::string> argv, const TempDir& dir,
                                 std::string_view input, std::chrono::milliseconds timeout) {
    return run_with_stdin(std::move(argv), dir, input, timeout);
}

CadenzaServer::CadenzaServer(const TempDir& dir, std::string_view config)
    : config_path_(dir.write("cadenza.cfg.lua", config)),
      log_offset_(read_file(dir.file("cadenza.log")).size()) {
    process_ = std::make_unique<Process>(
        std::vector<std::string>{env_path("CADENZA_BINARY"), "--config", config_path_},
        dir.file("cadenza.log"));
}

CadenzaServer::~CadenzaServer() {
    if (process_->running()) {
        stop();
    }
}

bool CadenzaServer::wait_started(std::chrono::milliseconds timeout) {
    bool started = wait_until(
        [&] {
            return log().find("server started") != std::string::npos || !process_->running();
        },
        timeout);
    return started && process_->running() && log().find("server started") != std::string::npos;
}

std::optional<int> CadenzaServer::stop(std::chrono::milliseconds timeout) {
    process_->signal(SIGTERM);
    return process_->wait_exit(timeout);
}

std::string register_accounts(const TempDir& dir, const std::string& config,
                              std::initializer_list<std::string_view> users,
                              std::string_view host) {
    std::string path = dir.write("cadenza.cfg.lua", config);
    for (std::string_view user : users) {
        RunResult r = run_program({env_path("CADENZACTL_BINARY"), "--config", path, "register",
                                   std::string(user), std::string(host), "secret"},
                                  dir);
        if (r.status != 0) {
            return "cadenzactl register " + std::string(user) + ": " + r.output;
        }
    }
    return "";
}

void expect_clean_stop(CadenzaServer& server, const std::string& log_file) {
    std::optional<int> status = server.stop();
    std::string log = log_file.empty() ? server.log() : read_file(log_file);
    EXPECT_EQ(status, 0) << "the server did not stop cleanly";
    EXPECT_EQ(log.find("Sanitizer"), std::string::npos) << "sanitizer report in the log";
    EXPECT_EQ(log.find("runtime error"), std::string::npos) << "UBSan report in the log";
    if (::testing::Test::HasFailure()) {
        constexpr std::size_t kTail = 30000;
        std::cerr << "--- server log (tail) ---\n"
                  << (log.size() > kTail ? log.substr(log.size() - kTail) : log) << "\n";
    }
}

} // namespace cadenza::test
