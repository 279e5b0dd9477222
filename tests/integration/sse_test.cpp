// Server-Sent Event streams through the real server and mod_example: framing as a browser
// parses it, keep-alives, the unsent-bytes cap, and clients that go away.
#include "http_client.hpp"
#include "server_process.hpp"
#include "sse_parser.hpp"
#include "test_config.hpp"

#include <gtest/gtest.h>

namespace cadenza::test {
namespace {

class SseTest : public ::testing::Test {
protected:
    void start(const std::string& host_options) {
        port_ = free_port();
        server_ = std::make_unique<CadenzaServer>(
            dir_, loopback_globals(port_) + "VirtualHost \"localhost\"\n"
                                            "  modules_enabled = { \"example\" }\n" +
                      host_options);
        ASSERT_TRUE(server_->wait_started()) << server_->log();
    }

    std::unique_ptr<HttpClient> open_stream(std::string_view topic,
                                            HttpClient::Options options = {}) {
        auto client = std::make_unique<HttpClient>(port_, std::move(options));
        client->send_request("GET", "/example/events/" + std::string(topic), "localhost");
        HttpResponse head = client->read_head();
        EXPECT_EQ(head.status, 200);
        EXPECT_EQ(head.header("Content-Type").value_or(""), "text/event-stream");
        EXPECT_EQ(head.header("Cache-Control").value_or(""), "no-cache");
        EXPECT_EQ(head.header("X-Accel-Buffering").value_or(""), "no");
        return client;
    }

    void publish(std::string_view topic, std::string_view data) {
        HttpClient c(port_);
        c.send_request("POST", "/example/publish/" + std::string(topic), "localhost", {}, data);
        ASSERT_EQ(c.read_response().status, 200);
    }

    std::string stats() {
        HttpClient c(port_);
        c.send_request("GET", "/example/stats", "localhost");
        return c.read_response().body;
    }

    // Reads from `client` into `parser` until it holds `n` events or the deadline passes.
    static bool read_events(HttpClient& client, SseParser& parser, std::size_t n,
                            std::chrono::milliseconds timeout = 5s) {
        return wait_until(
            [&] {
                parser.feed(client.read_some(20ms));
                return parser.events().size() >= n || client.body_done();
            },
            timeout) &&
               parser.events().size() >= n;
    }

    TempDir dir_;
    int port_ = 0;
    std::unique_ptr<CadenzaServer> server_;
};

TEST_F(SseTest, StreamsReceiveFramedEventsWithAnyLineEnding) {
    start("");
    auto first = open_stream("news");
    auto second = open_stream("news");
    auto other = open_stream("sports");
    publish("news", "line one\nline two\r\nline three\rend");
    publish("news", "");

    for (auto* client : {first.get(), second.get()}) {
        SseParser parser;
        ASSERT_TRUE(read_events(*client, parser, 2)) << server_->log();
        EXPECT_EQ(parser.retry(), 3000U);
        EXPECT_EQ(parser.events()[0].data, "line one\nline two\nline three\nend");
        EXPECT_EQ(parser.events()[0].last_event_id, "1");
        EXPECT_EQ(parser.events()[0].type, "message");
        EXPECT_EQ(parser.events()[1].data, "");
        EXPECT_EQ(parser.events()[1].last_event_id, "2");
    }
    SseParser nothing;
    nothing.feed(other->read_some(100ms));
    EXPECT_TRUE(nothing.events().empty());
}

TEST_F(SseTest, IdleStreamsGetKeepAliveComments) {
    start("  example_keepalive = 1\n");
    auto client = open_stream("quiet");
    SseParser parser;
    ASSERT_TRUE(wait_until(
        [&] {
            parser.feed(client->read_some(50ms));
            return parser.comments() >= 2;
        },
        5s));
    EXPECT_TRUE(parser.events().empty());
}

TEST_F(SseTest, ASlowReaderIsClosedAtItsCapWhileOthersGetEverything) {
    start("  example_max_buffer = 65536\n");
    HttpClient::Options slow_options;
    slow_options.receive_buffer = 4096;
    auto slow = open_stream("firehose", slow_options); // never reads again
    auto fast = open_stream("firehose");

    const std::string payload(32 * 1024, 'x');
    SseParser parser;
    std::size_t published = 0;
    // Publish until the server reports the slow stream closed; the kernel's socket buffers
    // absorb a few MiB first. Bounded: 2,000 × 32 KiB.
    while (stats().find("overflowed=1") == std::string::npos && published < 2000) {
        publish("firehose", payload);
        ++published;
        parser.feed(fast->read_some(1ms));
    }
    ASSERT_NE(stats().find("overflowed=1"), std::string::npos) << "published " << published;
    ASSERT_TRUE(read_events(*fast, parser, published, 20s))
        << parser.events().size() << " of " << published;
    for (std::size_t i = 0; i < published; ++i) {
        ASSERT_EQ(parser.events()[i].last_event_id, std::to_string(i + 1));
        ASSERT_EQ(parser.events()[i].data.size(), payload.size());
    }
    EXPECT_TRUE(slow->wait_closed(10s));
    EXPECT_NE(stats().find("streams=1 "), std::string::npos) << stats();
}

TEST_F(SseTest, AClientThatGoesAwayIsForgotten) {
    start("");
    auto leaving = open_stream("news");
    auto staying = open_stream("news");
    ASSERT_NE(stats().find("streams=2 "), std::string::npos) << stats();
    leaving->close();
    ASSERT_TRUE(wait_until([&] { return stats().find("streams=1 ") != std::string::npos; }, 5s))
        << stats();
    publish("news", "still here");
    SseParser parser;
    ASSERT_TRUE(read_events(*staying, parser, 1));
    EXPECT_EQ(parser.events()[0].data, "still here");
}

TEST_F(SseTest, StreamsEndWhenTheServerStops) {
    start("");
    auto client = open_stream("news");
    ASSERT_EQ(server_->stop(), 0) << server_->log();
    EXPECT_TRUE(client->wait_closed(5s));
}

} // namespace
} // namespace cadenza::test
