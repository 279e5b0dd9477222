// kernel_floor: what the kernel alone charges for a fan-out, with no server in the way. Opens
// N loopback TCP connections inside this process, then writes one small segment (the size of a
// benchmark event) to each of them, round after round, from T threads, while a reader thread
// drains the other ends with epoll as sse_load would. Prints one JSON line: the time per round
// (the floor under "last stream served" for a fan-out to N streams from T threads) and the
// CPU per write.
//
//   kernel_floor --connections 9000 --threads 1 --rounds 10 --bytes 200
//
// On loopback a write also runs the receiving side's TCP work (and its ACK) inside the
// sender's system call, so this is the cost Cadenza pays per delivery in bench/run.sh.
#include "args.hpp"
#include "clock.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using cadenza::bench::Args;
using cadenza::bench::process_cpu_seconds;

struct Options {
    int connections = 9000;
    int threads = 1;
    int rounds = 10;
    int bytes = 200;
};

double seconds_now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

bool parse(int argc, char** argv, Options& o) {
    Args args("kernel_floor", "[--connections N] [--threads T] [--rounds R] [--bytes B]");
    args.option("--connections", o.connections);
    args.option("--threads", o.threads);
    args.option("--rounds", o.rounds);
    args.option("--bytes", o.bytes);
    return args.parse(argc, argv) &&
           args.require(o.connections > 0 && o.threads > 0 && o.rounds > 0 && o.bytes > 0);
}

// Connects `count` pairs through a loopback listener; returns false on the first failure.
bool connect_pairs(int count, std::vector<int>& writers, std::vector<int>& readers) {
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        listen(listener, 4096) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        std::perror("kernel_floor: listen");
        return false;
    }
    for (int i = 0; i < count; ++i) {
        int client = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (client < 0 ||
            (connect(client, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 &&
             errno != EINPROGRESS)) {
            std::perror("kernel_floor: connect");
            return false;
        }
        int server = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
        if (server < 0) {
            std::perror("kernel_floor: accept");
            return false;
        }
        int one = 1;
        setsockopt(server, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        writers.push_back(server);
        readers.push_back(client);
    }
    close(listener);
    return true;
}

} // namespace

int main(int argc, char** argv) {
    Options o;
    if (!parse(argc, argv, o)) {
        return 2;
    }
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    std::vector<int> writers;
    std::vector<int> readers;
    if (!connect_pairs(o.connections, writers, readers)) {
        return 1;
    }

    std::atomic<long long> received{0};
    std::atomic<bool> stop{false};
    std::thread reader([&] {
        int poll = epoll_create1(0);
        for (int fd : readers) {
            epoll_event e{};
            e.events = EPOLLIN;
            e.data.fd = fd;
            epoll_ctl(poll, EPOLL_CTL_ADD, fd, &e);
        }
        epoll_event ready[256];
        char buffer[16384];
        while (!stop.load()) {
            int n = epoll_wait(poll, ready, 256, 50);
            for (int i = 0; i < n; ++i) {
                ssize_t got = read(ready[i].data.fd, buffer, sizeof buffer);
                if (got > 0) {
                    received += got;
                }
            }
        }
        close(poll);
    });

    const std::string segment(static_cast<std::size_t>(o.bytes), 'x');
    std::vector<double> round_ms;
    double cpu_before = process_cpu_seconds();
    for (int round = 0; round < o.rounds; ++round) {
        std::atomic<std::size_t> next{0};
        auto write_share = [&] {
            for (std::size_t i; (i = next.fetch_add(16)) < writers.size();) {
                for (std::size_t j = i; j < std::min(i + 16, writers.size()); ++j) {
                    if (send(writers[j], segment.data(), segment.size(), MSG_NOSIGNAL) < 0) {
                        std::perror("kernel_floor: send");
                    }
                }
            }
        };
        double start = seconds_now();
        std::vector<std::thread> helpers;
        for (int t = 1; t < o.threads; ++t) {
            helpers.emplace_back(write_share);
        }
        write_share();
        for (auto& h : helpers) {
            h.join();
        }
        round_ms.push_back((seconds_now() - start) * 1e3);
        // Until the reader has it all, so rounds do not overlap.
        long long want = static_cast<long long>(round + 1) * o.connections * o.bytes;
        double deadline = seconds_now() + 10;
        while (received.load() < want && seconds_now() < deadline) {
            std::this_thread::yield();
        }
    }
    double cpu = process_cpu_seconds() - cpu_before;
    stop = true;
    reader.join();
    std::sort(round_ms.begin(), round_ms.end());
    double writes = static_cast<double>(o.connections) * o.rounds;
    std::printf("{\"connections\": %d, \"threads\": %d, \"bytes\": %d, \"rounds\": %d, "
                "\"round_ms\": {\"min\": %.1f, \"median\": %.1f, \"max\": %.1f}, "
                "\"cpu_us_per_write\": %.2f, \"received_all\": %s}\n",
                o.connections, o.threads, o.bytes, o.rounds, round_ms.front(),
                round_ms[round_ms.size() / 2], round_ms.back(), cpu * 1e6 / writes,
                received.load() == static_cast<long long>(writes) * o.bytes ? "true" : "false");
    for (int fd : writers) {
        close(fd);
    }
    for (int fd : readers) {
        close(fd);
    }
    return 0;
}
