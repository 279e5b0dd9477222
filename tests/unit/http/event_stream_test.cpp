#include "server_fixture.hpp"
#include "sse_parser.hpp"

#include <cadenza/sse.hpp>

#include <malloc.h>

#include <optional>

namespace cadenza::http {
namespace {

using sse::CloseReason;
using sse::EventStreamPtr;
using test::HttpClient;
using test::HttpResponse;
using test::SseParser;

class EventStreamTest : public ServerFixture {
protected:
    // Mounts a route set whose GET /* opens a stream with `options` and keeps it in streams_.
    MountId mount_streams(std::string_view host, std::string_view base, sse::StreamOptions options,
                          std::vector<Header> headers = {}) {
        return router_.mount(host, base, std::string(host) + std::string(base),
                             {"es", {{"GET /*", [this, options, headers](Request& req) {
                                          auto s = req.start_event_stream(options, headers);
                                          s->on_close(
                                              [this](CloseReason r) { reasons_.push_back(r); });
                                          streams_.push_back(s);
                                      }}}});
    }

    // Opens a stream from a new client and reads the response head.
    std::unique_ptr<HttpClient> open(std::string_view path, std::string_view host = "h",
                                     int receive_buffer = 0, HttpResponse* head = nullptr) {
        std::size_t before = streams_.size();
        auto c = client(receive_buffer);
        c->send_request("GET", path, host, {{"Accept", "text/event-stream"}});
        HttpResponse r = c->read_head();
        EXPECT_EQ(r.status, 200);
        EXPECT_TRUE(pump_until([&] { return streams_.size() == before + 1; }));
        if (head != nullptr) {
            *head = r;
        }
        return c;
    }

    // Reads from `c` into `p` until `done` holds.
    bool read_until(HttpClient& c, SseParser& p, const std::function<bool()>& done,
                    std::chrono::milliseconds timeout = 3s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            if (std::chrono::steady_clock::now() >= deadline || c.body_done()) {
                return done();
            }
            p.feed(c.read_some(20ms));
        }
        return true;
    }

    std::vector<EventStreamPtr> streams_;
    std::vector<CloseReason> reasons_;
};

TEST_F(EventStreamTest, HeadRetryAndFramedEvents) {
    sse::StreamOptions options;
    options.retry_ms = 2500;
    options.keepalive_seconds = 0;
    mount_streams("h", "/eventsource", options, {{"Access-Control-Allow-Origin", "*"}});
    start();
    HttpResponse head;
    auto c = open("/eventsource/node", "h", 0, &head);
    EXPECT_EQ(head.header("Content-Type"), "text/event-stream");
    EXPECT_EQ(head.header("Cache-Control"), "no-cache");
    EXPECT_EQ(head.header("X-Accel-Buffering"), "no");
    EXPECT_EQ(head.header("Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(head.header("Transfer-Encoding"), "chunked");
    expect_not_html(head);

    // The retry field comes first, before any event.
    std::string first = c->read_some(2s);
    EXPECT_EQ(first, "retry: 2500\n\n");

    ASSERT_TRUE(streams_[0]->send(sse::make_frame({.id = "1", .data = "one"})));
    ASSERT_TRUE(streams_[0]->send(sse::make_frame({.id = "2", .type = "update", .data = "a\nb"})));
    ASSERT_TRUE(streams_[0]->send(sse::make_frame({.data = "no id"})));
    SseParser p;
    p.feed(first);
    ASSERT_TRUE(read_until(*c, p, [&] { return p.events().size() == 3; }));
    EXPECT_EQ(p.retry(), 2500u);
    EXPECT_EQ(p.events()[0].data, "one");
    EXPECT_EQ(p.events()[0].last_event_id, "1");
    EXPECT_EQ(p.events()[1].type, "update");
    EXPECT_EQ(p.events()[1].data, "a\nb");
    EXPECT_EQ(p.events()[2].last_event_id, "2");
    EXPECT_EQ(streams_[0]->remote_address(), "127.0.0.1");
    EXPECT_EQ(server_->stats().open_streams, 1u);
    EXPECT_EQ(server_->stats().streams_started, 1u);
}

TEST_F(EventStreamTest, OneFrameSharedByManyStreams) {
    mount_streams("h", "/es", {});
    start();
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < 5; ++i) {
        clients.push_back(open("/es/n"));
    }
    sse::FramePtr frame = sse::make_frame({.id = "7", .data = "shared"});
    for (auto& s : streams_) {
        ASSERT_TRUE(s->send(frame));
    }
    for (auto& c : clients) {
        SseParser p;
        ASSERT_TRUE(read_until(*c, p, [&] { return p.events().size() == 1; }));
        EXPECT_EQ(p.events()[0].data, "shared");
    }
    // Once the kernel took the bytes, only our handle is left.
    frame = sse::FramePtr();
}

TEST_F(EventStreamTest, KeepAliveCommentWhenIdle) {
    sse::StreamOptions options;
    options.keepalive_seconds = 1;
    mount_streams("h", "/es", options);
    start();
    auto c = open("/es/n");
    SseParser p;
    auto begin = std::chrono::steady_clock::now();
    ASSERT_TRUE(read_until(
        *c, p, [&] { return p.comments() >= 1; }, 4s));
    EXPECT_GE(std::chrono::steady_clock::now() - begin, 900ms);
    EXPECT_TRUE(p.events().empty()); // a keep-alive dispatches nothing
    EXPECT_TRUE(streams_[0]->is_open());
}

TEST_F(EventStreamTest, StreamOutlivesTheRequestTimeout) {
    HttpLimits limits;
    limits.request_timeout_seconds = 1;
    sse::StreamOptions options;
    options.keepalive_seconds = 0;
    mount_streams("h", "/es", options);
    start(limits);
    auto c = open("/es/n");
    // Past the timeout that evhttp would apply as a read timeout.
    auto until = std::chrono::steady_clock::now() + 1600ms;
    pump_until([&] { return std::chrono::steady_clock::now() >= until; }, 3s);
    ASSERT_TRUE(streams_[0]->is_open());
    ASSERT_TRUE(streams_[0]->send(sse::make_frame({.data = "still here"})));
    SseParser p;
    ASSERT_TRUE(read_until(*c, p, [&] { return p.events().size() == 1; }));
    EXPECT_EQ(p.events()[0].data, "still here");
}

TEST_F(EventStreamTest, SlowReaderOverflowsWhileOthersGetEverything) {
    sse::StreamOptions options;
    options.max_buffer = 64 * 1024;
    options.keepalive_seconds = 0;
    mount_streams("h", "/es", options);
    start();
    auto good = open("/es/n");
    auto slow = open("/es/n", "h", 4096); // a small window, and it never reads
    ASSERT_EQ(streams_.size(), 2u);

    const std::string payload(4000, 'x');
    SseParser p;
    int total = 0;
    int after_cut = 0;
    // Broadcast until the slow stream is cut, then a little more.
    while (total < 5000 && after_cut < 20) {
        sse::FramePtr f = sse::make_frame({.id = std::to_string(total), .data = payload});
        ASSERT_TRUE(streams_[0]->send(f)) << "event " << total;
        ++total;
        if (!streams_[1]->send(f)) {
            ++after_cut;
        }
        p.feed(good->read_some(0ms));
        pump(0ms);
    }
    ASSERT_FALSE(streams_[1]->is_open()) << "the slow reader was never cut";
    EXPECT_FALSE(streams_[1]->send(sse::make_frame({.data = "late"})));
    EXPECT_EQ(streams_[1]->unsent_bytes(), 0u);
    ASSERT_EQ(reasons_.size(), 1u);
    EXPECT_EQ(reasons_[0], CloseReason::kOverflow);
    EXPECT_EQ(server_->stats().overflow_closes, 1u);

    ASSERT_TRUE(read_until(
        *good, p, [&] { return static_cast<int>(p.events().size()) >= total; }, 10s))
        << p.events().size() << " of " << total << " events";
    for (int i = 0; i < total; ++i) {
        ASSERT_EQ(p.events()[static_cast<std::size_t>(i)].last_event_id, std::to_string(i));
    }
    EXPECT_TRUE(streams_[0]->is_open());
    EXPECT_TRUE(slow->wait_closed(2s));
}

TEST_F(EventStreamTest, ClientDisconnectIsNoticedOnAnIdleStream) {
    sse::StreamOptions options;
    options.keepalive_seconds = 0;
    mount_streams("h", "/es", options);
    start();
    auto c = open("/es/n");
    ASSERT_TRUE(streams_[0]->is_open());
    c->close();
    ASSERT_TRUE(pump_until([&] { return !reasons_.empty(); }, 2s));
    EXPECT_EQ(reasons_, std::vector<CloseReason>{CloseReason::kClientGone});
    EXPECT_FALSE(streams_[0]->is_open());
    EXPECT_FALSE(streams_[0]->send(sse::make_frame({.data = "x"})));
    EXPECT_EQ(server_->stats().open_streams, 0u);
    ASSERT_TRUE(pump_until([&] { return server_->stats().open_connections == 0; }));
}

TEST_F(EventStreamTest, ClientDisconnectWithDataPending) {
    sse::StreamOptions options;
    options.keepalive_seconds = 0;
    mount_streams("h", "/es", options);
    start();
    auto c = open("/es/n");
    for (int i = 0; i < 50; ++i) {
        streams_[0]->send(sse::make_frame({.data = std::string(1000, 'y')}));
    }
    c->close();
    ASSERT_TRUE(pump_until([&] { return !reasons_.empty(); }, 2s));
    EXPECT_EQ(reasons_[0], CloseReason::kClientGone);
}

// evhttp stops reading once it has a whole request with a body; the stream reads on.
TEST_F(EventStreamTest, ClientDisconnectIsNoticedOnAStreamStartedByPost) {
    sse::StreamOptions options;
    options.keepalive_seconds = 0;
    router_.mount("h", "/es", "A",
                  {"es", {{"POST /*", [&](Request& req) {
                               auto s = req.start_event_stream(options);
                               s->on_close([this](CloseReason r) { reasons_.push_back(r); });
                               streams_.push_back(s);
                           }}}});
    start();
    auto c = client();
    c->send_request("POST", "/es/n", "h", {}, "subscribe=a&subscribe=b");
    EXPECT_EQ(c->read_head().status, 200);
    ASSERT_TRUE(pump_until([&] { return streams_.size() == 1; }));
    c->close();
    ASSERT_TRUE(pump_until([&] { return !reasons_.empty(); }, 2s));
    EXPECT_EQ(reasons_[0], CloseReason::kClientGone);
}

// What a client sends on an open stream is read and dropped, not kept: evhttp 2.1 keeps reading
// during a reply but has no read callback then, so the bytes would pile up in its input buffer.
TEST_F(EventStreamTest, BytesFromTheClientAreDropped) {
    sse::StreamOptions options;
    options.keepalive_seconds = 0;
    mount_streams("h", "/es", options);
    start();
    auto c = open("/es/n");
    std::string junk(4 << 20, 'j');
    // glibc's count of bytes in use (under AddressSanitizer it does not move, and this passes).
    std::size_t before = mallinfo2().uordblks;
    c->send_raw(junk, 10s); // would time out if the server stopped reading
    for (int i = 0; i < 2000; ++i) {
        pump(0ms);
    }
    std::size_t after = mallinfo2().uordblks;
    EXPECT_LT(after > before ? after - before : 0, std::size_t{512 * 1024});
    ASSERT_TRUE(streams_[0]->send(sse::make_frame({.data = "fine"})));
    SseParser p;
    ASSERT_TRUE(read_until(*c, p, [&] { return p.events().size() == 1; }));
    EXPECT_TRUE(streams_[0]->is_open());
}

TEST_F(EventStreamTest, CloseEndsTheResponseAndKeepsTheConnection) {
    sse::StreamOptions options;
    options.keepalive_seconds = 0;
    mount_streams("h", "/es", options);
    router_.mount(
        "h", "/plain", "P",
        {"p", {{"GET /*", [](Request& req) { req.respond(Response::text(200, "after")); }}}});
    start();
    auto c = open("/es/n");
    streams_[0]->send(sse::make_frame({.data = "last"}));
    streams_[0]->close();
    streams_[0]->close(); // idempotent
    EXPECT_EQ(reasons_, std::vector<CloseReason>{CloseReason::kClosedByServer});
    std::string body = c->read_body(2s); // up to the last chunk
    EXPECT_TRUE(c->body_done());
    SseParser p;
    p.feed(body);
    ASSERT_EQ(p.events().size(), 1u);
    EXPECT_EQ(p.events()[0].data, "last");
    // The connection serves the next request, with its request timeout back.
    c->send_request("GET", "/plain/x", "h");
    EXPECT_EQ(c->read_response().body, "after");
}

TEST_F(EventStreamTest, ConnectionCloseFromTheClientIsHonouredAtTheEnd) {
    sse::StreamOptions options;
    options.keepalive_seconds = 0;
    mount_streams("h", "/es", options);
    start();
    auto c = client();
    c->send_request("GET", "/es/n", "h", {{"Connection", "close"}});
    HttpResponse head = c->read_head();
    EXPECT_EQ(head.header("Connection"), "close");
    ASSERT_TRUE(pump_until([&] { return streams_.size() == 1; }));
    streams_[0]->close();
    c->read_body(2s);
    EXPECT_TRUE(c->body_done());
    EXPECT_TRUE(c->wait_closed(2s));
}

TEST_F(EventStreamTest, OnCloseAddedAfterCloseNeverRuns) {
    mount_streams("h", "/es", {});
    start();
    auto c = open("/es/n");
    streams_[0]->close();
    bool ran = false;
    streams_[0]->on_close([&ran](CloseReason) { ran = true; });
    pump(10ms);
    EXPECT_FALSE(ran);
}

TEST_F(EventStreamTest, CloseStreamsClosesOnlyThatMount) {
    sse::StreamOptions options;
    options.keepalive_seconds = 0;
    MountId a = mount_streams("h", "/a", options);
    mount_streams("h", "/b", options);
    start();
    auto ca = open("/a/n");
    auto cb = open("/b/n");
    auto ca2 = open("/a/m");
    server_->close_streams(a, CloseReason::kShutdown);
    EXPECT_FALSE(streams_[0]->is_open());
    EXPECT_TRUE(streams_[1]->is_open());
    EXPECT_FALSE(streams_[2]->is_open());
    EXPECT_EQ(reasons_, (std::vector<CloseReason>{CloseReason::kShutdown, CloseReason::kShutdown}));
    ca->read_body(2s);
    EXPECT_TRUE(ca->body_done());
    EXPECT_EQ(server_->stats().open_streams, 1u);
    server_->close_all_streams(CloseReason::kShutdown);
    EXPECT_FALSE(streams_[1]->is_open());
    EXPECT_EQ(server_->stats().open_streams, 0u);
}

TEST_F(EventStreamTest, ServerDestructionClosesStreamsAndHandlesStaySafe) {
    mount_streams("h", "/es", {});
    start();
    auto c = open("/es/n");
    server_.reset();
    EXPECT_EQ(reasons_, std::vector<CloseReason>{CloseReason::kShutdown});
    EXPECT_FALSE(streams_[0]->is_open());
    EXPECT_FALSE(streams_[0]->send(sse::make_frame({.data = "x"})));
}

TEST_F(EventStreamTest, Http10StreamIsNotChunkedAndEndsWithTheConnection) {
    sse::StreamOptions options;
    options.keepalive_seconds = 0;
    mount_streams("h", "/es", options);
    start();
    auto c = client();
    c->send_raw("GET /es/n HTTP/1.0\r\nHost: h\r\nConnection: keep-alive\r\n\r\n");
    HttpResponse head = c->read_head();
    EXPECT_EQ(head.status, 200);
    EXPECT_FALSE(head.header("Transfer-Encoding"));
    EXPECT_EQ(head.header("Connection"), "close");
    ASSERT_TRUE(pump_until([&] { return streams_.size() == 1; }));
    streams_[0]->send(sse::make_frame({.id = "1", .data = "plain bytes"}));
    SseParser p;
    ASSERT_TRUE(read_until(*c, p, [&] { return p.events().size() == 1; }));
    EXPECT_EQ(p.events()[0].data, "plain bytes");
    streams_[0]->close();
    EXPECT_TRUE(c->wait_closed(2s));
}

TEST_F(EventStreamTest, HeadRequestGetsTheHeadOnly) {
    mount_streams("h", "/es", {});
    start();
    auto c = client();
    c->send_request("HEAD", "/es/n", "h");
    HttpResponse r = c->read_response(5s, true);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Type"), "text/event-stream");
    ASSERT_EQ(streams_.size(), 1u);
    EXPECT_FALSE(streams_[0]->is_open());
    EXPECT_EQ(server_->stats().open_streams, 0u);
}

// After a stream ends, its kept-alive connection may carry another request; that request gets
// the whole-request deadline too, so it cannot be dribbled in a byte at a time (slowloris).
TEST_F(EventStreamTest, TheRequestAfterAnEndedStreamHasADeadline) {
    sse::StreamOptions options;
    options.keepalive_seconds = 0;
    mount_streams("h", "/es", options);
    HttpLimits limits;
    limits.request_timeout_seconds = 1;
    start(limits);
    auto c = open("/es/n");
    streams_[0]->close();
    auto body_end = std::chrono::steady_clock::now() + 2s;
    while (!c->body_done() && std::chrono::steady_clock::now() < body_end) {
        c->read_some(20ms);
    }
    ASSERT_TRUE(c->body_done());
    auto begin = std::chrono::steady_clock::now();
    const std::string request = "GET /es/m HTTP/1.1\r\nHost: h\r\nX-Padding: " +
                                std::string(100, 'p') + "\r\n\r\n";
    bool closed = false;
    for (std::size_t i = 0; i < request.size() && !closed; ++i) {
        try {
            c->send_raw(request.substr(i, 1), 1s);
        } catch (const std::exception&) {
            closed = true; // the server already closed: the write failed
            break;
        }
        closed = c->wait_closed(50ms); // each byte would restart a plain idle timeout
    }
    ASSERT_TRUE(closed || c->wait_closed(3s)) << "a dribbled request kept its connection";
    EXPECT_GE(std::chrono::steady_clock::now() - begin, 900ms);
    EXPECT_EQ(streams_.size(), 1u); // the dribbled request never reached the route
}

// The per-address stream limit counts streams by this address: behind a trusted proxy, the
// client's.
TEST_F(EventStreamTest, RemoteAddressIsTheClientBehindATrustedProxy) {
    mount_streams("h", "/es", {});
    start();
    auto c = client();
    c->send_request("GET", "/es/n", "h",
                    {{"Accept", "text/event-stream"}, {"X-Forwarded-For", "203.0.113.9"}});
    EXPECT_EQ(c->read_head().status, 200);
    ASSERT_TRUE(pump_until([&] { return streams_.size() == 1; }));
    EXPECT_EQ(streams_[0]->remote_address(), "203.0.113.9");
}

TEST_F(EventStreamTest, ManyStreamsOpenAndClose) {
    sse::StreamOptions options;
    options.keepalive_seconds = 5;
    mount_streams("h", "/es", options);
    start();
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < 40; ++i) {
        clients.push_back(open("/es/n"));
    }
    EXPECT_EQ(server_->stats().open_streams, 40u);
    clients.clear();
    ASSERT_TRUE(pump_until([&] { return server_->stats().open_streams == 0; }));
    ASSERT_TRUE(pump_until([&] { return server_->stats().open_connections == 0; }));
    EXPECT_EQ(reasons_.size(), 40u);
}

// The end-of-turn writes spread over helper threads (WritePool): every reader still gets every
// frame of every turn, in order, including a big frame that the socket takes only in part (the
// rest goes on through the bufferevent); a stream closed by the server in the same turn gets its
// frames before the end of the response.
TEST_F(EventStreamTest, FanOutOverSeveralWriteThreadsKeepsEveryFrameInOrder) {
    sse::StreamOptions options;
    options.keepalive_seconds = 0;
    options.max_buffer = 8 << 20;
    mount_streams("h", "/es", options);
    start({}, nullptr, {{"127.0.0.1", 0, false}}, 3);
    constexpr int kStreams = 48; // above WritePool::kMinParallelItems
    auto gets_big = [](int i) { return i % 8 == 0; };
    constexpr std::size_t kBig = 5 << 20; // more than the kernel's largest send buffer (4 MiB)
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int i = 0; i < kStreams; ++i) {
        clients.push_back(open("/es/n", "h", gets_big(i) ? 4096 : 0));
    }
    const auto big = sse::make_frame({.id = "big", .data = std::string(kBig, 'b')});
    constexpr int kTurns = 6;
    for (int turn = 0; turn < kTurns; ++turn) {
        std::vector<sse::FramePtr> frames;
        for (int k = 0; k < 3; ++k) {
            std::string id = std::to_string(turn) + "." + std::to_string(k);
            frames.push_back(sse::make_frame({.id = id, .data = id}));
        }
        for (int i = 0; i < kStreams; ++i) {
            for (std::size_t k = 0; k < frames.size(); ++k) {
                ASSERT_TRUE(streams_[i]->send(frames[k]));
                if (turn == 2 && k == 0 && gets_big(i)) {
                    ASSERT_TRUE(streams_[i]->send(big));
                }
            }
        }
        if (turn == kTurns - 1) {
            streams_.back()->close(); // after this turn's sends, before their flush
        }
        pump(0ms);
    }
    for (int i = 0; i < kStreams; ++i) {
        std::vector<std::string> expected;
        for (int turn = 0; turn < kTurns; ++turn) {
            for (int k = 0; k < 3; ++k) {
                expected.push_back(std::to_string(turn) + "." + std::to_string(k));
                if (turn == 2 && k == 0 && gets_big(i)) {
                    expected.push_back("big");
                }
            }
        }
        SseParser p;
        ASSERT_TRUE(read_until(*clients[i], p, [&] { return p.events().size() == expected.size(); },
                               10s))
            << "stream " << i << " got " << p.events().size();
        for (std::size_t e = 0; e < expected.size(); ++e) {
            ASSERT_EQ(p.events()[e].last_event_id, expected[e]) << "stream " << i;
            EXPECT_EQ(p.events()[e].data.size(), expected[e] == "big" ? kBig : 3u);
        }
    }
    // The closed stream's response ended (the last chunk) after its frames.
    HttpClient& closed = *clients.back();
    auto deadline = std::chrono::steady_clock::now() + 2s;
    while (!closed.body_done() && std::chrono::steady_clock::now() < deadline) {
        EXPECT_EQ(closed.read_some(20ms), "");
    }
    EXPECT_TRUE(closed.body_done());
    EXPECT_EQ(server_->stats().overflow_closes, 0u);
    EXPECT_EQ(server_->stats().open_streams, std::size_t{kStreams - 1});
}
} // namespace
} // namespace cadenza::http
