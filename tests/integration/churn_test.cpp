// Churn against the real binary: thousands of event streams and client logins opened and closed
// in the ways clients really end them (politely, mid-request, right after connecting, with a
// reset). Afterwards the server holds the file descriptors it held before, about the memory it
// held after the first hundred cycles, and still serves.
#include "client_socket.hpp"
#include "eventsource_fixture.hpp"
#include "process_stats.hpp"
#include "pubsub_helpers.hpp"
#include "raw_xmpp.hpp"
#include "sasl_client.hpp"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <utility>

namespace cadenza::test {
namespace {

using Clock = std::chrono::steady_clock;

// RSS may grow by 10 % or 8 MiB over the baseline, whichever is larger (plus ASan's quarantine).
void expect_rss_near(long baseline_kib, long now_kib, const char* what) {
    std::cout << what << ": server RSS " << baseline_kib << " KiB after the warm-up, " << now_kib
              << " KiB at the end\n";
    long slack = std::max(baseline_kib / 10, 8L * 1024) + kAsanRssSlackKib;
    EXPECT_LE(now_kib, baseline_kib + slack)
        << what << ": RSS grew from " << baseline_kib << " KiB to " << now_kib << " KiB";
}

// A plain loopback TCP socket with deadlines on every step, closed gracefully or with a reset.
class Socket {
public:
    Socket(int port, Clock::time_point deadline) {
        try {
            fd_ = tcp_connect(port, deadline);
        } catch (const std::runtime_error&) {
            fd_ = -1; // connected() says so
        }
    }
    ~Socket() { close(); }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    bool connected() const { return fd_ >= 0; }

    bool send_all(std::string_view bytes, Clock::time_point deadline) {
        while (!bytes.empty()) {
            ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n > 0) {
                bytes.remove_prefix(static_cast<std::size_t>(n));
            } else if ((n < 0 && errno != EAGAIN && errno != EINTR) || !wait(POLLOUT, deadline)) {
                return false;
            }
        }
        return true;
    }

    // Reads until the blank line that ends a response head; the bytes so far (maybe more).
    std::optional<std::string> read_head(Clock::time_point deadline) {
        std::string in;
        char buffer[4096];
        while (in.find("\r\n\r\n") == std::string::npos) {
            ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n > 0) {
                in.append(buffer, static_cast<std::size_t>(n));
            } else if (n == 0 || (errno != EAGAIN && errno != EINTR) || !wait(POLLIN, deadline)) {
                return std::nullopt;
            }
        }
        return in;
    }

    // close() that sends RST instead of FIN.
    void reset() {
        linger l{1, 0};
        setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        close();
    }

    void close() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }

private:
    bool wait(short events, Clock::time_point deadline) const {
        return wait_ready(fd_, events, deadline);
    }

    int fd_ = -1;
};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// The text content of the last <name ...>text</name> in `xml`, "" when there is none.
std::string last_element_text(const std::string& xml, const std::string& name) {
    std::size_t end = xml.rfind("</" + name + ">");
    std::size_t start = xml.rfind("<" + name, end);
    if (end == std::string::npos || start == std::string::npos) {
        return {};
    }
    std::size_t open_end = xml.find('>', start);
    return open_end < end ? xml.substr(open_end + 1, end - open_end - 1) : std::string();
}

class Churn : public EventsourceFixture {
protected:
    void start() {
        start_server("Component \"pubsub.localhost\" \"pubsub\"\n"
                     "  modules_enabled = { \"pubsub_eventsource\" }\n"
                     "  http_host = \"localhost\"\n"
                     "  eventsource_max_streams_per_ip = 0\n");
        alice_ = login("alice");
        ASSERT_TRUE(alice_ && alice_->connected());
    }

    void TearDown() override {
        if (!server_) {
            return;
        }
        alice_.reset();
        expect_clean_stop(*server_);
    }

    pid_t server_pid() { return server_->process().pid(); }
    long server_rss_kib() { return proc_status_kib(server_pid(), "VmRSS"); }
    int server_fds() { return open_fds(server_pid()); }

    // Waits until the server has closed what the cycles left behind.
    bool fds_back_to(int baseline) {
        return wait_until([&] { return server_fds() <= baseline; }, 20s);
    }

    void iq_set(std::string_view ns, const std::string& body) {
        std::string id = "q" + next_id();
        Stanza r =
            alice_->request("<iq type='set' to='pubsub.localhost' id='" + id + "'><pubsub xmlns='" +
                            std::string(ns) + "'>" + body + "</pubsub></iq>");
        ASSERT_EQ(r.attr("type"), "result") << r.serialize() << alice_->trace();
    }

    void publish(const std::string& node, const std::string& id, const std::string& text) {
        iq_set("http://jabber.org/protocol/pubsub", "<publish node='" + node + "'><item id='" + id +
                                                        "'><n xmlns='urn:test'>" + text +
                                                        "</n></item></publish>");
    }

    // Runs `cycles` of `one_cycle` ("" or what went wrong); the server's descriptors must be
    // back to where they were before, after the first 100 (when the RSS baseline is taken) and
    // after all of them, and its RSS near that baseline at the end.
    void run_cycles(int cycles, const char* what,
                    const std::function<std::string(int)>& one_cycle) {
        const int idle_fds = server_fds();
        ASSERT_GT(idle_fds, 0);
        constexpr int kWarmUp = 100;
        long baseline_rss = 0;
        auto started = Clock::now();
        for (int cycle = 0; cycle < cycles; ++cycle) {
            ASSERT_EQ(one_cycle(cycle), "") << what << " cycle " << cycle;
            if (cycle + 1 == kWarmUp) {
                ASSERT_TRUE(fds_back_to(idle_fds)) << server_fds() << " fds after " << kWarmUp
                                                   << " cycles, " << idle_fds << " before";
                baseline_rss = server_rss_kib();
            }
        }
        auto elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
        std::cout << cycles << " " << what << " cycles in " << elapsed.count() << " ms ("
                  << elapsed.count() * 1000 / cycles << " us each)\n";

        EXPECT_TRUE(fds_back_to(idle_fds))
            << server_fds() << " fds after " << cycles << " cycles, " << idle_fds << " before";
        expect_rss_near(baseline_rss, server_rss_kib(), what);
    }

    std::unique_ptr<XmppClient> alice_;
};

// How cycle number `cycle` ends: the exit `special` gives for cycle % 10, else `usual`.
template <typename Exit>
Exit exit_for(int cycle, Exit usual, std::initializer_list<std::pair<int, Exit>> special) {
    for (auto [remainder, exit] : special) {
        if (cycle % 10 == remainder) {
            return exit;
        }
    }
    return usual;
}

// How an SSE cycle ends.
enum class SseExit { kAfterHead, kResetAfterHead, kRightAfterConnect, kMidRequest };

SseExit sse_exit_for(int cycle) {
    return exit_for(cycle, SseExit::kAfterHead,
                    {{3, SseExit::kRightAfterConnect},
                     {6, SseExit::kMidRequest},
                     {8, SseExit::kResetAfterHead}});
}

// The request of an SSE cycle: mostly HTTP/1.1, some HTTP/1.0 (a body ended by the close), some
// resuming from an id (a replay of the retained items).
std::string sse_request(int cycle) {
    std::string version = cycle % 10 == 1 ? "HTTP/1.0" : "HTTP/1.1";
    std::string resume = cycle % 10 == 5 ? "Last-Event-ID: seed-0\r\n" : "";
    return "GET /eventsource/churn " + version + "\r\nHost: localhost\r\n" + resume + "\r\n";
}

// One connect/disconnect cycle; "" or what went wrong.
std::string sse_cycle(int port, int cycle) {
    auto deadline = Clock::now() + 2s;
    Socket s(port, deadline);
    if (!s.connected()) {
        return "connect failed";
    }
    SseExit exit = sse_exit_for(cycle);
    if (exit == SseExit::kRightAfterConnect) {
        return {};
    }
    std::string request = sse_request(cycle);
    if (exit == SseExit::kMidRequest) {
        return s.send_all(request.substr(0, request.size() / 2), deadline) ? "" : "send failed";
    }
    if (!s.send_all(request, deadline)) {
        return "send failed";
    }
    std::optional<std::string> head = s.read_head(deadline);
    if (!head) {
        return "no response head";
    }
    std::string l = lower(*head);
    // HTTP/1.0 requests are answered as HTTP/1.0.
    if ((l.rfind("http/1.1 200 ", 0) != 0 && l.rfind("http/1.0 200 ", 0) != 0) ||
        l.find("\r\ncontent-type: text/event-stream\r\n") == std::string::npos) {
        return "unexpected head: " + head->substr(0, head->find("\r\n\r\n"));
    }
    if (exit == SseExit::kResetAfterHead) {
        s.reset();
    }
    return {};
}

TEST_F(Churn, TenThousandEventStreamsComeAndGoWithoutLeaks) {
    ASSERT_NO_FATAL_FAILURE(start());
    ASSERT_NO_FATAL_FAILURE(create_node_ok(*alice_, "churn"));
    for (int i = 0; i < 3; ++i) {
        ASSERT_NO_FATAL_FAILURE(publish("churn", "seed-" + std::to_string(i), "seed"));
    }
    ASSERT_NO_FATAL_FAILURE(
        run_cycles(10000, "SSE", [&](int cycle) { return sse_cycle(http_port_, cycle); }));

    // Still serving: a fresh stream gets a fresh item.
    Stream fresh = open("/eventsource/churn");
    ASSERT_EQ(fresh.head.status, 200) << fresh.head.body;
    ASSERT_NO_FATAL_FAILURE(publish("churn", "after-churn", "still here"));
    ASSERT_TRUE(read_events(fresh, 1)) << server_->log();
    EXPECT_EQ(fresh.parser.events()[0].last_event_id, "after-churn");
    EXPECT_NE(fresh.parser.events()[0].data.find("still here"), std::string::npos);
}

// How a login cycle ends.
enum class LoginExit { kLogout, kDropAfterBind, kDropMidSasl, kDropAfterTls };

LoginExit login_exit_for(int cycle) {
    return exit_for(cycle, LoginExit::kLogout,
                    {{4, LoginExit::kDropAfterBind},
                     {7, LoginExit::kDropMidSasl},
                     {9, LoginExit::kDropAfterTls}});
}

// One c2s session: STARTTLS, SCRAM-SHA-256, bind, sometimes presence, then a logout or a
// dropped connection. "" or what went wrong (with the transcript).
std::string login_cycle(int port, const std::string& ca_file, int cycle) {
    constexpr auto kStep = 3s;
    RawXmppConnection raw(port, kStep);
    auto fail = [&](const std::string& what) { return what + ": " + raw.transcript(); };
    const std::string header = client_stream_header("localhost");
    if (!raw.send(header) || !raw.read_until("</stream:features>", kStep)) {
        return fail("no stream features");
    }
    if (!raw.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>") ||
        !raw.read_until("<proceed", kStep)) {
        return fail("no <proceed/>");
    }
    raw.start_tls("localhost", ca_file, kStep);
    LoginExit exit = login_exit_for(cycle);
    if (exit == LoginExit::kDropAfterTls) {
        return {};
    }
    if (!raw.send(header) || !raw.read_until("</stream:features>", kStep)) {
        return fail("no stream features after TLS");
    }
    SaslClient sasl("SCRAM-SHA-256", "alice", "secret");
    if (!raw.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>" +
                  base64_encode(sasl.initial_response()) + "</auth>") ||
        !raw.read_until("</challenge>", kStep)) {
        return fail("no SCRAM challenge");
    }
    if (exit == LoginExit::kDropMidSasl) {
        return {};
    }
    auto challenge = base64_decode(last_element_text(raw.transcript(), "challenge"));
    std::optional<std::string> response = challenge ? sasl.respond(*challenge) : std::nullopt;
    if (!response) {
        return fail("bad challenge (" + sasl.error() + ")");
    }
    if (!raw.send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + base64_encode(*response) +
                  "</response>") ||
        !raw.read_until("</success>", kStep)) {
        return fail("no SASL success");
    }
    auto additional = base64_decode(last_element_text(raw.transcript(), "success"));
    if (!additional || !sasl.verify_success(*additional)) {
        return fail("server signature did not verify (" + sasl.error() + ")");
    }
    if (!raw.send(header) || !raw.read_until("</stream:features>", kStep) ||
        !raw.send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
                  "</iq>") ||
        !raw.read_until("</jid>", kStep)) {
        return fail("bind failed");
    }
    if (cycle % 3 == 0) {
        // Available, so that logging out also has presence to undo.
        if (!raw.send("<presence/>")) {
            return fail("presence not sent");
        }
    }
    if (exit == LoginExit::kDropAfterBind) {
        return {};
    }
    if (!raw.send("</stream:stream>") || !raw.wait_closed(kStep)) {
        return fail("the server did not close after </stream:stream>");
    }
    return {};
}

TEST_F(Churn, TwoThousandLoginsAndLogoutsWithoutLeaks) {
    ASSERT_NO_FATAL_FAILURE(start());
    ASSERT_NO_FATAL_FAILURE(run_cycles(2000, "login", [&](int cycle) {
        try {
            return login_cycle(c2s_port_, cert_.cert_file, cycle);
        } catch (const std::exception& e) {
            return std::string(e.what());
        }
    }));

    // Still serving: a new session logs in and is answered.
    auto again = login("alice");
    ASSERT_TRUE(again && again->connected());
    Stanza pong = again->request(
        "<iq type='get' to='localhost' id='ping'><ping xmlns='urn:xmpp:ping'/></iq>");
    EXPECT_EQ(pong.attr("type"), "result") << again->trace();
}

} // namespace
} // namespace cadenza::test
