// The server's limits against the real binary: each one hit on purpose, answered with the
// protocol's own error (a stream error, HTTP 503 or 429), freed again, and logged once rather
// than once per hit. Read rates are measured with the clock: a throttled sender must take at
// least as long as its bucket allows.
#include "eventsource_fixture.hpp"
#include "http_client.hpp"
#include "pubsub_helpers.hpp"
#include "raw_xmpp.hpp"
#include "sasl_client.hpp"
#include "server_process.hpp"
#include "test_config.hpp"

#include <gtest/gtest.h>

#include <iostream>

namespace cadenza::test {
namespace {

using Clock = std::chrono::steady_clock;

std::size_t count(const std::string& text, std::string_view needle) {
    std::size_t n = 0;
    for (std::size_t at = text.find(needle); at != std::string::npos;
         at = text.find(needle, at + needle.size())) {
        ++n;
    }
    return n;
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

// A server on loopback with HTTP and a plain-TCP XMPP port (PLAIN allowed without TLS, so that
// a raw client can log in), and alice registered; `globals` go into the global section.
class Limits : public ::testing::Test {
protected:
    void start(const std::string& globals) {
        http_port_ = free_port();
        c2s_port_ = free_port();
        std::string config = loopback_globals(http_port_) + c2s_globals(c2s_port_) +
                             "c2s_require_encryption = false\n"
                             "allow_unencrypted_plain_auth = true\n" +
                             globals + "VirtualHost \"localhost\"\n";
        ASSERT_EQ(register_accounts(dir_, config, {"alice"}), "");
        server_ = std::make_unique<CadenzaServer>(dir_, config);
        ASSERT_TRUE(server_->wait_started()) << server_->log();
    }

    void TearDown() override {
        if (!server_) {
            return;
        }
        expect_clean_stop(*server_);
    }

    // A raw connection that opened its stream and got the features.
    std::unique_ptr<RawXmppConnection> raw_stream() const {
        auto raw = std::make_unique<RawXmppConnection>(c2s_port_);
        EXPECT_TRUE(raw->send(client_stream_header("localhost")));
        EXPECT_TRUE(raw->read_until("</stream:features>")) << raw->transcript();
        return raw;
    }

    // A raw connection logged in as alice with PLAIN and bound to a resource.
    std::unique_ptr<RawXmppConnection> logged_in() const {
        auto raw = raw_stream();
        raw->send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
                  base64_encode(std::string("\0alice\0secret", 13)) + "</auth>");
        EXPECT_TRUE(raw->read_until("<success")) << raw->transcript();
        raw->send(client_stream_header("localhost"));
        EXPECT_TRUE(raw->read_until("</stream:features>")) << raw->transcript();
        raw->send("<iq type='set' id='bind'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
        EXPECT_TRUE(raw->read_until("</iq>")) << raw->transcript();
        return raw;
    }

    // What the server logged so far (this run).
    std::string log() const { return server_->log(); }

    TempDir dir_;
    int http_port_ = 0;
    int c2s_port_ = 0;
    std::unique_ptr<CadenzaServer> server_;
};

const std::string kPing = "<iq type='get' id='ping' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>";

TEST_F(Limits, ReadRateSlowsAFastClientButLosesNothing) {
    // 20 kB/s with one second of burst: 100 kB takes at least (100 - 20) / 20 = 4 s.
    ASSERT_NO_FATAL_FAILURE(start("limits = { c2s = { rate = \"20kb/s\"; burst = \"1s\" } }\n"));
    auto raw = logged_in();
    auto begin = Clock::now();
    // Whitespace between stanzas is legal (keep-alives) and costs the parser nothing: what is
    // measured is the reading alone.
    ASSERT_TRUE(raw->send(std::string(100'000, ' ') + kPing, 20s));
    ASSERT_TRUE(raw->read_until("id='ping'", 30s)) << raw->unread();
    double took = seconds_since(begin);
    EXPECT_GE(took, 3.0) << "100 kB at 20 kB/s arrived too fast";
    EXPECT_LT(took, 20.0);
    EXPECT_EQ(count(log(), "slowed to 20000 B/s (limits.c2s)"), 1U) << log();

    // Throttled, not cut off: the connection still works, and after a pause at full speed.
    raw->send("<iq type='get' id='again' to='localhost'><ping xmlns='urn:xmpp:ping'/></iq>");
    EXPECT_TRUE(raw->read_until("id='again'", 5s)) << raw->unread();
}

TEST_F(Limits, UnauthenticatedClientsHaveADefaultReadRate) {
    // The default for c2s_unauthed: 10 kB/s after a 300 kB burst. 330 kB of whitespace before
    // any login takes at least 3 s more than the burst.
    ASSERT_NO_FATAL_FAILURE(start(""));
    EXPECT_NE(log().find("reading at most 10000 B/s before authentication, 0 B/s after"),
              std::string::npos)
        << log();
    auto raw = raw_stream();
    auto begin = Clock::now();
    std::string wrong = base64_encode(std::string("\0alice\0wrong", 12));
    ASSERT_TRUE(raw->send(std::string(330'000, ' ') +
                              "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
                              "mechanism='PLAIN'>" +
                              wrong + "</auth>",
                          20s));
    ASSERT_TRUE(raw->read_until("not-authorized", 30s)) << raw->unread();
    EXPECT_GE(seconds_since(begin), 2.0);
    EXPECT_EQ(count(log(), "slowed to 10000 B/s (limits.c2s_unauthed)"), 1U) << log();

    // A login is not slowed: its few hundred bytes fit in any bucket.
    auto fresh = raw_stream();
    begin = Clock::now();
    fresh->send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
                base64_encode(std::string("\0alice\0secret", 13)) + "</auth>");
    EXPECT_TRUE(fresh->read_until("<success")) << fresh->transcript();
    EXPECT_LT(seconds_since(begin), 1.0);
}

TEST_F(Limits, ABadRateStopsTheServerNamingTheOption) {
    std::string config = loopback_globals(free_port()) + c2s_globals(free_port()) +
                         "limits = { c2s = { rate = \"fast\" } }\nVirtualHost \"localhost\"\n";
    CadenzaServer bad(dir_, config);
    EXPECT_FALSE(bad.wait_started(10s));
    EXPECT_TRUE(bad.process().wait_exit(10s).has_value());
    EXPECT_NE(bad.log().find("option 'limits'"), std::string::npos) << bad.log();
    EXPECT_NE(bad.log().find("c2s.rate must be like"), std::string::npos) << bad.log();
}

TEST_F(Limits, ClientConnectionCapSaysResourceConstraintAndLogsOnce) {
    ASSERT_NO_FATAL_FAILURE(start("c2s_max_connections = 3\n"));
    std::vector<std::unique_ptr<RawXmppConnection>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(raw_stream());
    }
    constexpr int kRefused = 10;
    for (int i = 0; i < kRefused; ++i) {
        RawXmppConnection extra(c2s_port_);
        extra.send(client_stream_header("localhost"));
        ASSERT_TRUE(extra.read_until("</stream:stream>")) << extra.transcript();
        EXPECT_EQ(stream_error_condition(extra.transcript()), "resource-constraint")
            << extra.transcript();
        EXPECT_TRUE(extra.wait_closed()) << extra.transcript();
    }
    const std::string line = "c2s_max_connections (3) reached";
    EXPECT_EQ(count(log(), line), 1U) << "one line for a burst of refusals\n" << log();

    // A freed slot is taken again.
    held.pop_back();
    bool admitted = wait_until(
        [&] {
            RawXmppConnection again(c2s_port_);
            again.send(client_stream_header("localhost"));
            return again.read_until("</stream:features>", 2s);
        },
        10s);
    EXPECT_TRUE(admitted) << log();

    // The window ends with one line that sums up the rest.
    EXPECT_TRUE(server_->process().wait_for_output("more times in the last 10 s", 15s)) << log();
    EXPECT_LE(count(log(), line), 2U) << log();
}

TEST_F(Limits, HttpConnectionCapAnswers503AndFreesSlots) {
    ASSERT_NO_FATAL_FAILURE(start("http_max_connections = 3\n"));
    std::vector<std::unique_ptr<HttpClient>> held;
    for (int i = 0; i < 3; ++i) {
        held.push_back(std::make_unique<HttpClient>(http_port_));
    }
    // Every connection above the cap gets 503 and is closed.
    ASSERT_TRUE(wait_until(
        [&] {
            HttpClient probe(http_port_);
            probe.send_request("GET", "/", "localhost");
            return probe.read_response().status == 503;
        },
        5s));
    for (int i = 0; i < 10; ++i) {
        HttpClient extra(http_port_);
        extra.send_request("GET", "/", "localhost");
        HttpResponse r = extra.read_response();
        EXPECT_EQ(r.status, 503);
        EXPECT_EQ(r.header("Connection").value_or(""), "close");
        EXPECT_TRUE(r.header("Retry-After").has_value());
        EXPECT_TRUE(extra.wait_closed(5s));
    }
    EXPECT_EQ(count(log(), "http_max_connections (3) reached"), 1U) << log();

    held.pop_back();
    EXPECT_TRUE(wait_until(
        [&] {
            HttpClient again(http_port_);
            again.send_request("GET", "/", "localhost");
            return again.read_response().status == 404;
        },
        5s))
        << log();
}

TEST_F(Limits, UnauthenticatedConnectionsTimeOut) {
    ASSERT_NO_FATAL_FAILURE(start("c2s_timeout = 1\n"));
    auto raw = raw_stream();
    auto begin = Clock::now();
    // Keep-alives are not progress: the deadline is for authentication.
    while (!raw->closed() && seconds_since(begin) < 5) {
        raw->send(" ");
        raw->wait_closed(200ms);
    }
    ASSERT_TRUE(raw->closed()) << raw->transcript();
    EXPECT_EQ(stream_error_condition(raw->transcript()), "connection-timeout")
        << raw->transcript();
    EXPECT_GE(seconds_since(begin), 0.5);
}

TEST_F(Limits, SlowlorisRequestIsClosedAtTheRequestTimeout) {
    ASSERT_NO_FATAL_FAILURE(start("http_request_timeout = 1\n"));
    HttpClient slow(http_port_);
    std::string request = build_request("GET", "/", "localhost", {{"X-Padding", std::string(200, 'p')}});
    auto begin = Clock::now();
    // One byte every 50 ms: each byte would restart a plain idle timeout.
    bool closed = false;
    for (std::size_t i = 0; i < request.size() && !closed; ++i) {
        try {
            slow.send_raw(request.substr(i, 1), 1s);
        } catch (const std::exception&) {
            closed = true;
            break;
        }
        closed = slow.wait_closed(50ms);
    }
    ASSERT_TRUE(closed || slow.wait_closed(3s)) << "a dribbled request kept its connection";
    double took = seconds_since(begin);
    EXPECT_GE(took, 0.8);
    EXPECT_LT(took, 4.0);

    // A second slow client in the same window: still one line.
    HttpClient idle(http_port_);
    EXPECT_TRUE(idle.wait_closed(4s));
    EXPECT_EQ(count(log(), "sent no whole request within http_request_timeout (1 s)"), 1U)
        << log();

    // A prompt request is served as ever.
    HttpClient prompt(http_port_);
    prompt.send_request("GET", "/", "localhost");
    EXPECT_EQ(prompt.read_response().status, 404);
}

TEST_F(Limits, OversizeHeadersAndBodiesAreRefused) {
    ASSERT_NO_FATAL_FAILURE(
        start("http_max_header_size = 4096\nhttp_max_content_size = 1024\n"));
    HttpClient big_head(http_port_);
    big_head.send_request("GET", "/", "localhost", {{"X-Big", std::string(8192, 'h')}});
    int head_status = big_head.read_response().status;
    EXPECT_TRUE(head_status == 400 || head_status == 413) << head_status;

    HttpClient big_body(http_port_);
    big_body.send_request("POST", "/", "localhost", {}, std::string(4096, 'b'));
    EXPECT_EQ(big_body.read_response().status, 413);

    HttpClient fits(http_port_);
    fits.send_request("POST", "/", "localhost", {}, std::string(512, 'b'));
    EXPECT_EQ(fits.read_response().status, 404);
}

TEST_F(Limits, OverSizeStanzaIsPolicyViolation) {
    ASSERT_NO_FATAL_FAILURE(start("c2s_stanza_size_limit = 10000\n"));
    auto raw = logged_in();
    raw->send("<message to='alice@localhost'><body>" + std::string(20000, 'x') +
              "</body></message>");
    EXPECT_TRUE(raw->read_until("</stream:stream>")) << raw->unread();
    EXPECT_EQ(stream_error_condition(raw->transcript()), "policy-violation") << raw->transcript();
}

class StreamsPerAddress : public EventsourceFixture {
protected:
    void start(const std::string& globals_before_hosts = "") {
        start_server(globals_before_hosts + "Component \"pubsub.localhost\" \"pubsub\"\n"
                     "  modules_enabled = { \"pubsub_eventsource\" }\n"
                     "  http_host = \"localhost\"\n");
        alice_ = login("alice");
        ASSERT_NO_FATAL_FAILURE(create_node_ok(*alice_, "news"));
    }

    void TearDown() override {
        if (server_) {
            EXPECT_EQ(server_->stop(), 0);
            EXPECT_EQ(server_->log().find("Sanitizer"), std::string::npos) << server_->log();
        }
    }

    std::unique_ptr<XmppClient> alice_;
};

TEST_F(StreamsPerAddress, DefaultIsAThousandThen429LoggedOnce) {
    ASSERT_NO_FATAL_FAILURE(start());
    std::vector<Stream> streams;
    streams.reserve(1000);
    for (int i = 0; i < 1000; ++i) {
        streams.push_back(open("/eventsource/news"));
        ASSERT_EQ(streams.back().head.status, 200) << "stream " << i;
    }
    for (int i = 0; i < 20; ++i) {
        Stream refused = open("/eventsource/news");
        EXPECT_EQ(refused.head.status, 429);
    }
    std::string log = server_->log();
    EXPECT_EQ(count(log, "answered 429 Too Many Requests"), 1U) << log.substr(0, 4000);

    // A closed stream frees its place.
    streams.pop_back();
    EXPECT_TRUE(wait_until([&] { return open("/eventsource/news").head.status == 200; }, 5s));
}

} // namespace
} // namespace cadenza::test
