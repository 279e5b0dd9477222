// sse_load: opens N Server-Sent Event streams to one URL path at a controlled ramp, parses the
// events, and measures for each event the latency from the publish stamp in its payload
// ("#seq=<n> #ts=<CLOCK_REALTIME ns>", written by bench/publisher) to its parse here, and
// the time until the last of the streams had it. Prints one JSON summary on stdout and exits
// when every stream saw the expected events, or at the deadline.
//
//   sse_load --port 5280 --path /eventsource/bench --streams 1000 --events 20
//            --ramp 2000 --ready-file /tmp/ready --timeout 60
//
// Past 5,000 streams the source address rotates over 127.0.0.1-127.0.0.4 (bound before
// connect with IP_BIND_ADDRESS_NO_PORT), since one (source, destination) address pair has only
// ~28,000 ephemeral ports.
#include "args.hpp"
#include "clock.hpp"
#include "histogram.hpp"
#include "sse_reader.hpp"

#include <event2/event.h>
#include <event2/util.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::bench {
namespace {

constexpr int kStreamsPerSource = 5000;

struct Options {
    std::string host = "localhost";
    int port = 0;
    std::string path = "/eventsource/bench";
    int streams = 1;
    long events = 0;        // expected per stream; 0 = hold only
    double ramp = 1000;     // new streams per second
    double timeout = 60;    // seconds after all streams are up
    double hold = 0;        // with events = 0: seconds to hold the streams once up
    int stall = 0;          // the first `stall` streams never read their body
    std::string ready_file; // created once every stream has its response head
};

struct Stream;

struct Totals {
    int started = 0;
    int connected = 0; // got 200 and headers
    int failed = 0;    // connect error, non-200, parse error
    int closed_early = 0;
    int complete = 0; // got every expected event
    int chunked = 0;
    std::uint64_t received = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t unparsed = 0; // events without a #seq/#ts stamp
    std::int64_t first_recv = 0;
    std::int64_t last_recv = 0;
    std::int64_t ready_at = 0;
    Histogram latency;
    std::vector<int> per_event_count;
    std::vector<std::int64_t> per_event_stamp;
    std::vector<std::int64_t> per_event_last;
    std::string first_error;
};

struct Load {
    Options opt;
    event_base* base = nullptr;
    event* ramp_timer = nullptr;
    event* deadline_timer = nullptr;
    std::vector<std::unique_ptr<Stream>> streams;
    std::vector<sockaddr_in> sources;
    sockaddr_in target{};
    Totals t;
    rlim_t fd_limit = 0;
    std::int64_t start_ns = 0;
};

struct Stream {
    Load* load = nullptr;
    int index = 0;
    int fd = -1;
    event* io = nullptr; // EV_WRITE until connected, then EV_READ (persistent)
    SseReader reader;
    long got = 0;
    long last_seq = -1;
    bool stalled = false;
    bool counted_up = false;
    bool done = false; // closed or failed
};

// Finds "#<key>=<digits>" in `data`.
bool stamp_field(std::string_view data, std::string_view key, std::int64_t& out) {
    std::size_t at = data.find(key);
    if (at == std::string_view::npos) {
        return false;
    }
    at += key.size();
    std::int64_t v = 0;
    std::size_t digits = 0;
    while (at < data.size() && data[at] >= '0' && data[at] <= '9') {
        v = v * 10 + (data[at] - '0');
        ++at;
        ++digits;
    }
    out = v;
    return digits > 0;
}

void maybe_finish(Load& load);

void release_socket(Stream& s) {
    if (s.io != nullptr) {
        event_free(s.io);
        s.io = nullptr;
    }
    if (s.fd >= 0) {
        close(s.fd);
        s.fd = -1;
    }
}

void write_ready(Load& load) {
    load.t.ready_at = now_ns();
    if (!load.opt.ready_file.empty()) {
        std::ofstream(load.opt.ready_file) << load.t.connected << " " << load.t.failed << "\n";
    }
    std::fprintf(stderr, "sse_load: %d streams up, %d failed\n", load.t.connected, load.t.failed);
    double wait = load.opt.events == 0 ? load.opt.hold : load.opt.timeout;
    timeval tv{static_cast<time_t>(wait), static_cast<suseconds_t>((wait - static_cast<long>(wait)) * 1e6)};
    evtimer_add(load.deadline_timer, &tv);
    maybe_finish(load);
}

void stream_settled(Stream& s) {
    Load& load = *s.load;
    if (load.t.connected + load.t.failed == load.opt.streams) {
        write_ready(load);
    }
    (void)s;
}

void close_stream(Stream& s, bool failed, const std::string& why) {
    if (s.done) {
        return;
    }
    s.done = true;
    Load& load = *s.load;
    if (failed && load.t.first_error.empty()) {
        load.t.first_error = "stream " + std::to_string(s.index) + ": " + why;
    }
    if (!s.counted_up) {
        ++load.t.failed;
        s.counted_up = true;
        stream_settled(s);
    } else if (load.opt.events == 0 || s.got < load.opt.events) {
        ++load.t.closed_early;
    }
    release_socket(s);
    maybe_finish(load);
}

void on_event(Stream& s, std::string_view data) {
    Load& load = *s.load;
    Totals& t = load.t;
    std::int64_t now = now_ns();
    std::int64_t seq = 0;
    std::int64_t ts = 0;
    if (!stamp_field(data, "#seq=", seq) || !stamp_field(data, "#ts=", ts)) {
        ++t.unparsed;
        return;
    }
    if (seq <= s.last_seq) {
        ++t.duplicates;
        return;
    }
    s.last_seq = static_cast<long>(seq);
    ++s.got;
    ++t.received;
    if (t.first_recv == 0) {
        t.first_recv = now;
    }
    t.last_recv = now;
    t.latency.add(now - ts);
    if (seq >= 0 && static_cast<std::uint64_t>(seq) < t.per_event_count.size()) {
        ++t.per_event_count[seq];
        t.per_event_stamp[seq] = ts;
        t.per_event_last[seq] = std::max(t.per_event_last[seq], now);
    }
    if (s.got == load.opt.events) {
        ++t.complete;
    }
}

void feed(Stream& s, std::string_view bytes) {
    SseReader::State st = s.reader.feed(bytes, [&](std::string_view d) { on_event(s, d); });
    if (!s.counted_up && st == SseReader::State::kBody) {
        s.counted_up = true;
        ++s.load->t.connected;
        s.load->t.chunked += s.reader.chunked() ? 1 : 0;
        if (s.stalled) {
            // Never read again: the server's buffer for this stream grows until its cap.
            event_del(s.io);
        }
        stream_settled(s);
        if (s.stalled) {
            return;
        }
    }
    if (st == SseReader::State::kError) {
        close_stream(s, true, s.reader.error());
    } else if (st == SseReader::State::kDone) {
        close_stream(s, false, "response ended");
    }
}

// One read() per readiness (level-triggered: what is left is reported again). A bufferevent
// would add an ioctl(FIONREAD) and a copy through an evbuffer per read, and the load generator
// shares the machine's cores with the server it measures.
void on_readable(evutil_socket_t fd, short, void* arg) {
    auto& s = *static_cast<Stream*>(arg);
    static char buffer[64 * 1024];
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n > 0) {
        feed(s, std::string_view(buffer, static_cast<std::size_t>(n)));
    } else if (n == 0) {
        close_stream(s, !s.counted_up, "server closed the connection");
    } else if (errno != EAGAIN && errno != EINTR) {
        close_stream(s, true, std::strerror(errno));
    }
    if (!s.done) {
        maybe_finish(*s.load);
    }
}

void on_connected(evutil_socket_t fd, short, void* arg) {
    auto& s = *static_cast<Stream*>(arg);
    int error = 0;
    socklen_t len = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) {
        close_stream(s, true, std::strerror(error));
        return;
    }
    std::string req = "GET " + s.load->opt.path + " HTTP/1.1\r\nHost: " + s.load->opt.host +
                      "\r\nAccept: text/event-stream\r\n\r\n";
    // A fresh socket's buffer takes a request this small at once.
    if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
        close_stream(s, true, "could not send the request");
        return;
    }
    event_free(s.io);
    s.io = event_new(s.load->base, fd, EV_READ | EV_PERSIST, on_readable, &s);
    event_add(s.io, nullptr);
}

void start_stream(Load& load) {
    auto s = std::make_unique<Stream>();
    s->load = &load;
    s->index = load.t.started++;
    s->stalled = s->index < load.opt.stall;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        load.streams.push_back(std::move(s));
        Stream& ref = *load.streams.back();
        ref.done = true;
        ref.counted_up = true;
        ++load.t.failed;
        if (load.t.first_error.empty()) {
            load.t.first_error = std::string("socket: ") + std::strerror(errno);
        }
        stream_settled(ref);
        return;
    }
    if (s->index >= kStreamsPerSource) {
        int one = 1;
        setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
        const sockaddr_in& src = load.sources[(s->index / kStreamsPerSource) % load.sources.size()];
        bind(fd, reinterpret_cast<const sockaddr*>(&src), sizeof src);
    }
    if (s->stalled) {
        // A small receive window, so the server's own buffer fills soon after the kernel's.
        int size = 4096;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    }
    s->fd = fd;
    Stream* raw = s.get();
    load.streams.push_back(std::move(s));
    if (connect(fd, reinterpret_cast<const sockaddr*>(&load.target), sizeof load.target) != 0 &&
        errno != EINPROGRESS) {
        close_stream(*raw, true, std::string("connect: ") + std::strerror(errno));
        return;
    }
    raw->io = event_new(load.base, fd, EV_WRITE, on_connected, raw);
    event_add(raw->io, nullptr);
}

void on_ramp(evutil_socket_t, short, void* arg) {
    auto& load = *static_cast<Load*>(arg);
    // 100 ticks a second; each starts the streams the ramp allows by now.
    double elapsed = static_cast<double>(now_ns() - load.start_ns) / 1e9;
    auto due = std::min<long>(load.opt.streams, static_cast<long>(elapsed * load.opt.ramp) + 1);
    while (load.t.started < due) {
        start_stream(load);
    }
    if (load.t.started >= load.opt.streams) {
        event_del(load.ramp_timer);
    }
}

void on_deadline(evutil_socket_t, short, void* arg) {
    event_base_loopexit(static_cast<Load*>(arg)->base, nullptr);
}

void maybe_finish(Load& load) {
    if (load.t.ready_at == 0) {
        return;
    }
    if (load.opt.events == 0) {
        return; // held until the deadline
    }
    int expect = load.t.connected - std::min(load.opt.stall, load.t.connected);
    if (load.t.complete >= expect) {
        event_base_loopexit(load.base, nullptr);
    }
}

double ms(std::int64_t ns) { return static_cast<double>(ns) / 1e6; }


void print_summary(const Load& load) {
    const Totals& t = load.t;
    long expected = load.opt.events;
    int readers = t.connected - std::min(load.opt.stall, t.connected);
    std::uint64_t expected_total = static_cast<std::uint64_t>(readers) * static_cast<std::uint64_t>(expected);
    // Per event: how long after its publish stamp the last stream had it.
    Histogram last_stream;
    long fully = 0;
    for (std::size_t i = 0; i < t.per_event_count.size(); ++i) {
        if (t.per_event_count[i] > 0) {
            last_stream.add(t.per_event_last[i] - t.per_event_stamp[i]);
        }
        if (t.per_event_count[i] >= readers && readers > 0) {
            ++fully;
        }
    }
    // Stalled streams: did the server close them? (Their reads are off, so ask the kernel.)
    int stalled_closed = 0;
    for (const auto& s : load.streams) {
        if (s->stalled && s->fd >= 0) {
            tcp_info info{};
            socklen_t len = sizeof info;
            if (getsockopt(s->fd, IPPROTO_TCP, TCP_INFO, &info, &len) == 0 &&
                info.tcpi_state != TCP_ESTABLISHED) { // CLOSE_WAIT (FIN) or CLOSE (reset)
                ++stalled_closed;
            }
        } else if (s->stalled) {
            ++stalled_closed;
        }
    }
    double span = t.last_recv > t.first_recv ? static_cast<double>(t.last_recv - t.first_recv) / 1e9 : 0;
    std::printf(
        "{\"streams_requested\": %d, \"streams_connected\": %d, \"streams_failed\": %d, "
        "\"chunked\": %d, \"closed_early\": %d, \"fd_limit\": %llu, \"ramp_s\": %.3f,\n"
        " \"events_expected_per_stream\": %ld, \"streams_complete\": %d, \"events_received\": %llu, "
        "\"lost\": %lld, \"duplicates\": %llu, \"unparsed\": %llu, \"events_fully_delivered\": %ld,\n"
        " \"latency_ms\": {\"p50\": %.3f, \"p90\": %.3f, \"p99\": %.3f, \"max\": %.3f},\n"
        " \"last_stream_ms\": {\"p50\": %.3f, \"p99\": %.3f, \"max\": %.3f},\n"
        " \"receive_span_s\": %.3f, \"deliveries_per_s\": %.0f, \"stalled\": %d, "
        "\"stalled_closed_by_server\": %d, \"cpu_s\": %.3f, \"first_error\": \"%s\"}\n",
        load.opt.streams, t.connected, t.failed, t.chunked, t.closed_early,
        static_cast<unsigned long long>(load.fd_limit),
        t.ready_at > 0 ? static_cast<double>(t.ready_at - load.start_ns) / 1e9 : -1.0, expected, t.complete,
        static_cast<unsigned long long>(t.received),
        static_cast<long long>(expected_total) - static_cast<long long>(t.received),
        static_cast<unsigned long long>(t.duplicates), static_cast<unsigned long long>(t.unparsed),
        fully, t.latency.percentile_us(0.50) / 1000, t.latency.percentile_us(0.90) / 1000,
        t.latency.percentile_us(0.99) / 1000, ms(t.latency.max()),
        last_stream.percentile_us(0.50) / 1000, last_stream.percentile_us(0.99) / 1000,
        ms(last_stream.max()), span, span > 0 ? static_cast<double>(t.received) / span : 0.0,
        std::min(load.opt.stall, load.opt.streams), stalled_closed, process_cpu_seconds(),
        t.first_error.c_str());
}

bool parse_args(int argc, char** argv, Options& o) {
    Args args("sse_load", "--port P [--path /eventsource/NODE] [--streams N] [--events K] "
                          "[--ramp PER_S] [--timeout S] [--hold S] [--stall N] [--ready-file F] "
                          "[--host HOSTHEADER]");
    args.option("--host", o.host);
    args.option("--port", o.port);
    args.option("--path", o.path);
    args.option("--streams", o.streams);
    args.option("--events", o.events);
    args.option("--ramp", o.ramp);
    args.option("--timeout", o.timeout);
    args.option("--hold", o.hold);
    args.option("--stall", o.stall);
    args.option("--ready-file", o.ready_file);
    return args.parse(argc, argv) && args.require(!(o.port <= 0 || o.streams <= 0 || o.ramp <= 0));
}

} // namespace
} // namespace cadenza::bench

int main(int argc, char** argv) {
    using namespace cadenza::bench;
    Load load;
    if (!parse_args(argc, argv, load.opt)) {
        return 2;
    }
    rlimit lim{};
    getrlimit(RLIMIT_NOFILE, &lim);
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    load.fd_limit = lim.rlim_cur;
    if (static_cast<rlim_t>(load.opt.streams) + 16 > lim.rlim_cur) {
        std::fprintf(stderr, "sse_load: %d streams need more than the file limit %llu\n",
                     load.opt.streams, static_cast<unsigned long long>(lim.rlim_cur));
    }
    load.target.sin_family = AF_INET;
    load.target.sin_port = htons(static_cast<std::uint16_t>(load.opt.port));
    load.target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 1; i <= 4; ++i) {
        sockaddr_in src{};
        src.sin_family = AF_INET;
        src.sin_addr.s_addr = htonl(0x7f000000U + static_cast<std::uint32_t>(i));
        load.sources.push_back(src);
    }
    if (load.opt.events > 0) {
        load.t.per_event_count.assign(static_cast<std::size_t>(load.opt.events), 0);
        load.t.per_event_stamp.assign(static_cast<std::size_t>(load.opt.events), 0);
        load.t.per_event_last.assign(static_cast<std::size_t>(load.opt.events), 0);
    }
    load.streams.reserve(static_cast<std::size_t>(load.opt.streams));
    load.base = event_base_new();
    load.ramp_timer = event_new(load.base, -1, EV_PERSIST, on_ramp, &load);
    load.deadline_timer = evtimer_new(load.base, on_deadline, &load);
    load.start_ns = now_ns();
    // Until every stream is up: the ramp's own length plus a margin, then the real deadline.
    timeval first{static_cast<time_t>(load.opt.streams / load.opt.ramp + 30 + load.opt.timeout), 0};
    evtimer_add(load.deadline_timer, &first);
    timeval tick{0, 10'000};
    event_add(load.ramp_timer, &tick);
    on_ramp(-1, 0, &load);
    event_base_dispatch(load.base);
    print_summary(load);
    for (auto& s : load.streams) {
        release_socket(*s);
    }
    event_free(load.ramp_timer);
    event_free(load.deadline_timer);
    event_base_free(load.base);
    int readers = load.t.connected - std::min(load.opt.stall, load.t.connected);
    bool ok = load.t.failed == 0 && (load.opt.events == 0 || load.t.complete >= readers);
    return ok ? 0 : 1;
}
