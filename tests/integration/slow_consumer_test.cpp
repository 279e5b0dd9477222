// Slow consumers against the real binary: a hundred event streams that never read sit on a node
// next to one that does, while a client publishes ten thousand 1 KiB items as fast as the server
// takes them. The reader gets every item, in order and quickly; each stalled stream is closed
// once its unsent bytes pass the cap, so the server's memory stays bounded by the caps.
#include "eventsource_fixture.hpp"
#include "process_stats.hpp"
#include "pubsub_helpers.hpp"

#include <gtest/gtest.h>

#include <dirent.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <thread>

namespace cadenza::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kItems = 10000;
constexpr std::size_t kPayloadSize = 1024;
constexpr int kSlowStreams = 100;
constexpr long kCapBytes = 64L * 1024;
// Publishes in flight: sent in batches, a new batch whenever a batch was answered.
constexpr int kBatch = 10;
constexpr int kBatchesInFlight = 2;

// CPU time the process used so far (user + system), in milliseconds; -1 when unknown.
long cpu_ms(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::size_t after_name = stat.rfind(')');
    if (after_name == std::string::npos) {
        return -1;
    }
    // Fields after the name start with the state (field 3); utime and stime are 14 and 15.
    std::istringstream fields(stat.substr(after_name + 2));
    std::string skip;
    for (int field = 3; field < 14; ++field) {
        fields >> skip;
    }
    long utime = 0;
    long stime = 0;
    fields >> utime >> stime;
    return (utime + stime) * 1000 / sysconf(_SC_CLK_TCK);
}

std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
        .count();
}

// An item payload of exactly kPayloadSize bytes that carries its send time.
std::string timed_payload(std::int64_t sent_ns) {
    std::string head = "<t xmlns='urn:test:slow'>" + std::to_string(sent_ns) + " ";
    const std::string tail = "</t>";
    return head + std::string(kPayloadSize - head.size() - tail.size(), 'x') + tail;
}

// The send time in an event's data, -1 when it has none.
std::int64_t sent_ns_of(const std::string& data) {
    std::size_t start = data.find('>');
    if (start == std::string::npos) {
        return -1;
    }
    try {
        return std::stoll(data.substr(start + 1, 24));
    } catch (const std::exception&) {
        return -1;
    }
}

// What the well-behaved reader saw.
struct ReaderResult {
    int events = 0;             // in order, with the expected ids
    std::string first_mismatch; // "" when every event was the next one
    std::vector<std::int64_t> latencies_ns;
    bool closed = false; // the stream ended early
};

std::int64_t percentile(std::vector<std::int64_t> values, double p) {
    if (values.empty()) {
        return -1;
    }
    std::sort(values.begin(), values.end());
    auto rank = static_cast<std::size_t>(p * static_cast<double>(values.size()));
    return values[std::min(rank, values.size() - 1)];
}

class SlowConsumer : public EventsourceFixture {
protected:
    void start() {
        start_server("Component \"pubsub.localhost\" \"pubsub\"\n"
                     "  modules_enabled = { \"pubsub_eventsource\" }\n"
                     "  http_host = \"localhost\"\n"
                     "  eventsource_max_buffer = " +
                     std::to_string(kCapBytes) +
                     "\n"
                     "  eventsource_max_streams_per_ip = 0\n");
        alice_ = login("alice");
        ASSERT_TRUE(alice_ && alice_->connected());
        ASSERT_NO_FATAL_FAILURE(create_node_ok(*alice_, "firehose"));
    }

    void TearDown() override {
        if (!server_) {
            return;
        }
        alice_.reset();
        expect_clean_stop(*server_);
    }

    // Reads the stream until it holds kItems events, one is not the next in order, the stream
    // ends, `stop` is set or the deadline passes.
    static ReaderResult read_all(Stream& s, const std::atomic<bool>& stop,
                                 Clock::time_point deadline) {
        ReaderResult r;
        r.latencies_ns.reserve(kItems);
        while (r.events < kItems && r.first_mismatch.empty() && !stop && Clock::now() < deadline) {
            s.parser.feed(s.client->read_some(50ms));
            std::int64_t arrived = now_ns();
            for (const SseEvent& e : s.parser.take_events()) {
                if (!r.first_mismatch.empty()) {
                    continue;
                }
                std::int64_t sent = sent_ns_of(e.data);
                if (e.last_event_id != "item-" + std::to_string(r.events) || sent < 0) {
                    r.first_mismatch = "event " + std::to_string(r.events) + ": id '" +
                                       e.last_event_id + "', data '" + e.data.substr(0, 60) + "'";
                    continue;
                }
                r.latencies_ns.push_back(arrived - sent);
                ++r.events;
            }
            if (s.client->body_done() || s.client->server_closed()) {
                r.closed = r.events < kItems;
                break;
            }
        }
        return r;
    }

    struct Drained {
        bool ended = false;    // EOF or reset
        std::size_t bytes = 0; // read while draining
        std::string last_id;   // of the last event that began in them
    };

    // Reads a stalled stream's socket to its end, counting bytes without parsing them. The window
    // is opened first: the small receive buffer would make this slow.
    static Drained drain(Stream& s, std::chrono::milliseconds timeout) {
        int fd = s.client->fd();
        int wide = 1 << 20;
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &wide, sizeof wide);
        Drained d;
        std::string tail;
        char buffer[65536];
        auto deadline = Clock::now() + timeout;
        while (Clock::now() < deadline) {
            ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
            if (n > 0) {
                d.bytes += static_cast<std::size_t>(n);
                tail.append(buffer, static_cast<std::size_t>(n));
                tail.erase(0, tail.size() > 4096 ? tail.size() - 4096 : 0);
            } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                d.ended = true;
                break;
            } else {
                pollfd p{fd, POLLIN, 0};
                ::poll(&p, 1, 100);
            }
        }
        std::size_t id = tail.rfind("id: ");
        if (id != std::string::npos) {
            d.last_id = tail.substr(id + 4, tail.find('\n', id) - id - 4);
        }
        return d;
    }

    pid_t server_pid() { return server_->process().pid(); }
    int server_fds() { return open_fds(server_pid()); }
    long server_rss_kib() { return proc_status_kib(server_pid(), "VmRSS"); }

    // Sends items [from, from + count) in one write, each stamped just before it goes.
    void send_batch(int from, int count) {
        std::string xml;
        for (int i = from; i < from + count; ++i) {
            xml += "<iq type='set' to='pubsub.localhost' id='pub-" + std::to_string(i) +
                   "'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish "
                   "node='firehose'><item id='item-" +
                   std::to_string(i) + "'>" + timed_payload(now_ns()) +
                   "</item></publish></pubsub></iq>";
        }
        alice_->send(xml, 10s);
    }

    // Publishes every item, kBatchesInFlight batches in flight; samples the server's RSS after
    // every answered batch into `peak_rss_kib`. Fails the test on an error reply.
    void publish_all(long& peak_rss_kib) {
        int sent = 0;
        int answered = 0;
        while (answered < kItems) {
            while (sent < kItems && sent - answered < kBatch * kBatchesInFlight) {
                int count = std::min(kBatch, kItems - sent);
                send_batch(sent, count);
                sent += count;
            }
            for (int end = std::min(answered + kBatch, kItems); answered < end; ++answered) {
                std::string id = "pub-" + std::to_string(answered);
                Stanza r = alice_->wait_for(xmpp_match::iq_with_id(id), 20s);
                ASSERT_EQ(r.attr("type"), "result") << id << ": " << r.serialize();
            }
            peak_rss_kib = std::max(peak_rss_kib, server_rss_kib());
        }
    }

    std::unique_ptr<XmppClient> alice_;
};

TEST_F(SlowConsumer, StalledStreamsAreClosedWhileTheReaderGetsEverythingQuickly) {
    ASSERT_NO_FATAL_FAILURE(start());
    const int fds_before = server_fds();
    const long rss_before = server_rss_kib();
    ASSERT_GT(fds_before, 0);
    ASSERT_GT(rss_before, 0);

    HttpClient::Options stalled;
    stalled.receive_buffer = 4096; // the kernel's buffers fill after a few events
    std::vector<Stream> slow;
    for (int i = 0; i < kSlowStreams; ++i) {
        slow.push_back(open("/eventsource/firehose", {}, stalled));
        ASSERT_EQ(slow.back().head.status, 200) << i << ": " << slow.back().head.body;
    }
    Stream reader = open("/eventsource/firehose");
    ASSERT_EQ(reader.head.status, 200) << reader.head.body;
    ASSERT_TRUE(wait_until([&] { return server_fds() >= fds_before + kSlowStreams + 1; }, 5s))
        << server_fds() << " fds with the streams open, " << fds_before << " before";

    std::atomic<bool> stop_reading{false};
    ReaderResult seen;
    std::thread reading([&] { seen = read_all(reader, stop_reading, Clock::now() + 120s); });
    long peak_rss = rss_before;
    long cpu_before = cpu_ms(server_pid());
    auto started = Clock::now();
    publish_all(peak_rss);
    auto published = Clock::now();
    // The reader thread ends by itself once it has everything; a failed publish stops it early.
    if (HasFatalFailure()) {
        stop_reading = true;
    }
    reading.join();
    auto ms = [](Clock::duration d) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
    };
    std::cout << kItems << " items published in " << ms(published - started) << " ms, read in "
              << ms(Clock::now() - started) << " ms; latency p50 "
              << percentile(seen.latencies_ns, 0.50) / 1000 << " us, p99 "
              << percentile(seen.latencies_ns, 0.99) / 1000 << " us, max "
              << percentile(seen.latencies_ns, 1.0) / 1000 << " us; server RSS " << rss_before
              << " KiB before, " << peak_rss << " KiB at most; server CPU "
              << cpu_ms(server_pid()) - cpu_before << " ms\n";
    ASSERT_FALSE(HasFatalFailure());

    EXPECT_EQ(seen.first_mismatch, "");
    EXPECT_FALSE(seen.closed) << "the reading stream was closed after " << seen.events;
    ASSERT_EQ(seen.events, kItems);
    EXPECT_LT(percentile(seen.latencies_ns, 0.99), std::int64_t{100'000'000})
        << "p99 latency (ns) from publish to the reader";

    // Each stalled stream was dropped by the server: only the reader is left.
    EXPECT_TRUE(wait_until([&] { return server_fds() <= fds_before + 1; }, 10s))
        << server_fds() << " fds after the run, " << fds_before << " before the streams";
    // Drained now, each stalled socket ends (EOF or reset) well short of the whole run, whose
    // payloads alone are kItems * kPayloadSize bytes.
    std::size_t most_bytes = 0;
    std::string last_id;
    for (int i = 0; i < kSlowStreams; ++i) {
        Drained d = drain(slow[static_cast<std::size_t>(i)], 10s);
        EXPECT_TRUE(d.ended) << "stalled stream " << i << " was not closed";
        EXPECT_LT(d.bytes, kItems * kPayloadSize) << "stalled stream " << i;
        EXPECT_NE(d.last_id, "item-" + std::to_string(kItems - 1)) << "stalled stream " << i;
        if (d.bytes > most_bytes) {
            most_bytes = d.bytes;
            last_id = d.last_id;
        }
    }
    std::cout << "stalled streams had " << most_bytes << " bytes at most left to read (up to "
              << last_id << ")\n";

    // Memory: what the caps allow, plus a constant for everything else.
    long growth_kib = std::max(peak_rss, server_rss_kib()) - rss_before;
    long allowed_kib = kSlowStreams * kCapBytes / 1024 + 32L * 1024 + kAsanRssSlackKib;
    EXPECT_LE(growth_kib, allowed_kib) << "server RSS grew by " << growth_kib << " KiB";
}

} // namespace
} // namespace cadenza::test
