// The server: configuration, hosts, logging, listeners, modules and the event loop, started
// in that order and stopped in reverse.
#pragma once

#include "config/config.hpp"

#include <memory>
#include <stdexcept>
#include <string>

namespace cadenza {

// A problem that stops the server from starting (port in use, unreadable certificate).
class StartupError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Server {
public:
    // Reads and evaluates the config file: throws ConfigError.
    explicit Server(const std::string& config_path);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Logging, hosts, listeners, modules, pidfile, signals. Throws ConfigError or StartupError.
    void start();
    // Runs the loop until SIGTERM/SIGINT (or stop()); returns the process exit status.
    int run();
    // Graceful stop: listeners and streams closed, modules unloaded, loop ended.
    void stop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace cadenza
