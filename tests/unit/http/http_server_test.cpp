#include "server_fixture.hpp"

#include <sys/socket.h>
#include <unistd.h>

namespace cadenza::http {
namespace {

using test::HttpClient;
using test::HttpResponse;

Handler say(std::string text) {
    return [text](Request& req) { req.respond(Response::text(200, text)); };
}

class HttpServerTest : public ServerFixture {};

TEST_F(HttpServerTest, VirtualHostsByHostHeader) {
    router_.mount("a.example", "/x", "A", {"x", {{"GET /*", say("a")}}});
    router_.mount("b.example", "/x", "B", {"x", {{"GET /*", say("b")}}});
    start();
    EXPECT_EQ(get("/x/1", "a.example").body, "a");
    EXPECT_EQ(get("/x/1", "B.EXAMPLE").body, "b");
    EXPECT_EQ(get("/x/1", "b.example:5280").body, "b");
    auto r = get("/x/1", "c.example");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, "Not Found\n");
    EXPECT_EQ(r.header("Content-Type"), "text/plain; charset=utf-8");
}

TEST_F(HttpServerTest, DefaultHostServesUnknownAndMissingHost) {
    router_.mount("main.example", "/x", "A",
                  {"x", {{"GET /*", [](Request& req) {
                              req.respond(Response::text(200, std::string(req.host())));
                          }}}});
    router_.set_default_host("main.example");
    start();
    EXPECT_EQ(get("/x/1", "unknown.example").body, "main.example");
    // HTTP/1.0 needs no Host header.
    auto c = client();
    c->send_raw("GET /x/1 HTTP/1.0\r\n\r\n");
    HttpResponse r = c->read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "main.example");
}

TEST_F(HttpServerTest, AnHttp11RequestWithoutHostIs400) {
    router_.mount("main.example", "/x", "A", {"x", {{"GET /*", say("a")}}});
    router_.set_default_host("main.example");
    start();
    auto c = client();
    c->send_raw("GET /x/1 HTTP/1.1\r\n\r\n");
    EXPECT_EQ(c->read_response().status, 400);
}

TEST_F(HttpServerTest, AbsoluteFormTargetNamesTheHost) {
    router_.mount("a.example", "/x", "A", {"x", {{"GET /*", say("a")}}});
    start();
    auto c = client();
    c->send_raw("GET http://a.example/x/y HTTP/1.1\r\nHost: other.example\r\n\r\n");
    EXPECT_EQ(c->read_response().body, "a");
}

TEST_F(HttpServerTest, MethodNotAllowedWithAllow) {
    router_.mount("h", "/x", "A", {"x", {{"GET /*", say("g")}, {"POST /p", say("p")}}});
    start();
    auto r = get("/x/p", "h", "DELETE");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(r.header("Allow"), "GET, HEAD, POST");
    EXPECT_EQ(r.body, "Method Not Allowed\n");
    expect_not_html(r);
}

TEST_F(HttpServerTest, TraceGetsPlainNotImplemented) {
    router_.mount("h", "/x", "A", {"x", {{"GET /*", say("g")}}});
    start();
    auto r = get("/x/p", "h", "TRACE");
    EXPECT_EQ(r.status, 501);
    expect_not_html(r);
}

TEST_F(HttpServerTest, HeadGetsLengthButNoBody) {
    router_.mount("h", "/x", "A", {"x", {{"GET /*", [](Request& req) {
                                              EXPECT_EQ(req.method(), Method::kHead);
                                              req.respond(Response::text(200, "twelve bytes"));
                                          }}}});
    start();
    auto c = client();
    c->send_request("HEAD", "/x/1", "h");
    HttpResponse r = c->read_response(5s, true);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.header("Content-Length"), "12");
    // Had a body been sent, it would now be read as the next answer's status line.
    c->send_request("HEAD", "/x/2", "h");
    EXPECT_EQ(c->read_response(5s, true).status, 200);
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequests) {
    router_.mount("h", "/x", "A",
                  {"x", {{"GET /*", [](Request& req) {
                              req.respond(Response::text(200, std::string(req.wildcard())));
                          }}}});
    start();
    auto c = client();
    for (const char* n : {"1", "2", "3"}) {
        c->send_request("GET", std::string("/x/") + n, "h");
        EXPECT_EQ(c->read_response().body, n);
    }
    EXPECT_EQ(server_->stats().requests, 3u);
    EXPECT_EQ(server_->stats().open_connections, 1u);
}

TEST_F(HttpServerTest, HandlerExceptionGives500) {
    router_.mount("h", "/x", "A",
                  {"x", {{"GET /*", [](Request&) { throw std::runtime_error("boom"); }}}});
    start();
    auto r = get("/x/1", "h");
    EXPECT_EQ(r.status, 500);
    expect_not_html(r);
}

TEST_F(HttpServerTest, HandlerThatDoesNotAnswerGives500) {
    router_.mount("h", "/x", "A", {"x", {{"GET /*", [](Request&) {}}}});
    start();
    auto r = get("/x/1", "h");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(r.body, "Internal Server Error\n");
}

TEST_F(HttpServerTest, ResponseHeadersStatusAndContentType) {
    router_.mount("h", "/x", "A", {"x", {{"GET /*", [](Request& req) {
                                              Response r;
                                              r.status = 201;
                                              r.body = "{}";
                                              r.content_type = "application/json";
                                              r.headers = {{"Access-Control-Allow-Origin", "*"},
                                                           {"Content-Length", "999"},
                                                           {"X-Bad", "a\r\nInjected: yes"}};
                                              req.respond(std::move(r));
                                          }}}});
    start();
    auto r = get("/x/1", "h");
    EXPECT_EQ(r.status, 201);
    EXPECT_EQ(r.body, "{}");
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "*");
    EXPECT_EQ(r.header("Content-Length"), "2");
    EXPECT_FALSE(r.header("Injected"));
}

TEST_F(HttpServerTest, RequestAccessors) {
    std::string seen;
    router_.mount(
        "h", "/base", "A",
        {"x", {{"POST /*", [&seen](Request& req) {
                    seen = std::string(method_name(req.method())) + "|" + std::string(req.path()) +
                           "|" + std::string(req.base_path()) + "|" + std::string(req.wildcard()) +
                           "|" + std::string(req.query_string()) + "|" +
                           req.query("a").value_or("?") + "|" +
                           req.query("missing").value_or("none") + "|" +
                           std::string(req.header("x-custom").value_or("?")) + "|" +
                           std::string(req.host()) + "|" + std::string(req.remote_address()) + "|" +
                           (req.secure() ? "tls" : "plain") + "|" + std::string(req.body());
                    req.respond(Response::text(200, "ok"));
                }}}});
    start();
    auto c = client();
    c->send_request("POST", "/base/my%20node/x%2Fy?a=1+2&b=%41", "H:80", {{"X-Custom", "v"}},
                    "payload");
    EXPECT_EQ(c->read_response().status, 200);
    EXPECT_EQ(seen, "POST|/base/my node/x/y|/base|my node/x/y|a=1+2&b=%41|1 2|none|v|h|"
                    "127.0.0.1|plain|payload");
}

// Behind a trusted proxy (loopback by default, as in Prosody) the handler sees the client the
// proxy forwards for; with no trusted proxies the same headers change nothing.
TEST_F(HttpServerTest, ClientBehindATrustedProxy) {
    std::string seen;
    router_.mount("h", "/x", "A", {"x", {{"GET /*", [&seen](Request& req) {
                                              seen = std::string(req.remote_address()) + "|" +
                                                     (req.secure() ? "secure" : "plain");
                                              req.respond(Response::text(200, "ok"));
                                          }}}});
    start();
    const std::vector<std::pair<std::string, std::string>> forwarded = {
        {"X-Forwarded-For", "192.0.2.1, 198.51.100.20"}, {"X-Forwarded-Proto", "https"}};
    auto c = client();
    c->send_request("GET", "/x/1", "h", forwarded);
    EXPECT_EQ(c->read_response().status, 200);
    EXPECT_EQ(seen, "198.51.100.20|secure");

    server_->set_trusted_proxies(TrustedProxies::parse({}));
    c->send_request("GET", "/x/1", "h", forwarded);
    EXPECT_EQ(c->read_response().status, 200);
    EXPECT_EQ(seen, "127.0.0.1|plain");
}

TEST_F(HttpServerTest, QueryAllKeepsOrder) {
    router_.mount("h", "/x", "A", {"x", {{"GET /*", [](Request& req) {
                                              std::string out;
                                              for (const auto& v : req.query_all("node")) {
                                                  out += "[" + v + "]";
                                              }
                                              req.respond(Response::text(200, out));
                                          }}}});
    start();
    EXPECT_EQ(get("/x/?node=a&other=1&node=b%20c&node=d+e&node=", "h").body, "[a][b c][d e][]");
}

TEST_F(HttpServerTest, InvalidPercentEncodingIs400) {
    router_.mount("h", "/x", "A", {"x", {{"GET /*", say("never")}}});
    start();
    for (const char* path : {"/x/%zz", "/x/a%00b", "/x/%4"}) {
        auto r = get(path, "h");
        EXPECT_EQ(r.status, 400) << path;
        expect_not_html(r);
    }
}

TEST_F(HttpServerTest, MalformedRequestLineIs400) {
    start();
    auto c = client();
    c->send_raw("THIS IS NOT HTTP\r\n\r\n");
    HttpResponse r = c->read_response();
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(c->wait_closed(2s));
}

// evhttp 2.1 answers an oversize head itself with 400 (it reports "headers too long" as an
// invalid header) and closes the connection; its error page is text/html, which we cannot
// change in 2.1 (evhttp_set_errorcb arrived in 2.2).
TEST_F(HttpServerTest, OversizeHeadersAre400AndClose) {
    router_.mount("h", "/x", "A", {"x", {{"GET /*", say("never")}}});
    HttpLimits limits;
    limits.max_header_bytes = 1024;
    start(limits);
    auto c = client();
    c->send_request("GET", "/x/1", "h", {{"X-Big", std::string(4096, 'a')}});
    HttpResponse r = c->read_response();
    EXPECT_EQ(r.status, 400);
    EXPECT_TRUE(c->wait_closed(2s));
    // A request under the limit is fine.
    EXPECT_EQ(get("/x/1", "h").status, 200);
}

TEST_F(HttpServerTest, OversizeBodyIs413) {
    bool called = false;
    router_.mount("h", "/x", "A", {"x", {{"POST /*", [&called](Request& req) {
                                              called = true;
                                              req.respond(Response::text(200, "ok"));
                                          }}}});
    HttpLimits limits;
    limits.max_body_bytes = 1024;
    start(limits);
    auto c = client();
    c->send_request("POST", "/x/1", "h", {}, std::string(4096, 'b'));
    HttpResponse r = c->read_response();
    EXPECT_EQ(r.status, 413);
    EXPECT_FALSE(called);
    auto ok = client();
    ok->send_request("POST", "/x/1", "h", {}, std::string(1000, 'b'));
    EXPECT_EQ(ok->read_response().status, 200);
    EXPECT_TRUE(called);
}

TEST_F(HttpServerTest, IdleConnectionIsClosedAfterTheRequestTimeout) {
    HttpLimits limits;
    limits.request_timeout_seconds = 1;
    start(limits);
    auto c = client();
    c->send_raw("GET /x HTTP/1.1\r\nHost: h\r\n"); // never finished: slowloris
    auto begin = std::chrono::steady_clock::now();
    EXPECT_TRUE(c->wait_closed(3s));
    EXPECT_GE(std::chrono::steady_clock::now() - begin, 900ms);
}

TEST_F(HttpServerTest, ConnectionCapAnswers503AndCloses) {
    router_.mount("h", "/x", "A", {"x", {{"GET /*", say("ok")}}});
    HttpLimits limits;
    limits.max_connections = 1;
    start(limits);
    auto first = client();
    first->send_request("GET", "/x/1", "h");
    EXPECT_EQ(first->read_response().status, 200); // keeps its connection open

    auto second = client();
    second->send_request("GET", "/x/1", "h");
    HttpResponse r = second->read_response();
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.header("Connection"), "close");
    expect_not_html(r);
    EXPECT_TRUE(second->wait_closed(2s));

    first->close();
    ASSERT_TRUE(pump_until([&] { return server_->stats().open_connections == 0; }));
    EXPECT_EQ(get("/x/1", "h").status, 200);
}

TEST_F(HttpServerTest, StatsCountConnections) {
    start();
    auto a = client();
    auto b = client();
    ASSERT_TRUE(pump_until([&] { return server_->stats().open_connections == 2; }));
    a->close();
    b->close();
    ASSERT_TRUE(pump_until([&] { return server_->stats().open_connections == 0; }));
}

TEST_F(HttpServerTest, ListenFailureNamesAddressAndReason) {
    start();
    HttpServer other(base_, router_, {}, nullptr);
    try {
        other.listen({{"127.0.0.1", port_, false}});
        FAIL() << "second listen on the same port succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_EQ(std::string(e.what()), "cannot listen on http 127.0.0.1:" +
                                             std::to_string(port_) + ": Address already in use");
    }
    EXPECT_THROW(other.listen({{"127.0.0.1", 0, true}}), std::runtime_error); // no TLS context
    EXPECT_THROW(other.listen({{"not-an-address", 0, false}}), std::runtime_error);
}

TEST_F(HttpServerTest, AnyIpv4AndAnyIpv6ShareAPort) {
    start({}, nullptr, {{"*", 0, false}});
    // "::" is IPv6-only, so it can take the port "*" holds (skipped where IPv6 is missing).
    EXPECT_NO_THROW(server_->listen({{"::", port_, false}}));
    auto ports = server_->bound_ports();
    ASSERT_GE(ports.size(), 1u);
    for (int p : ports) {
        EXPECT_EQ(p, port_);
    }
}

TEST_F(HttpServerTest, CloseListenersStopsAccepting) {
    router_.mount("h", "/x", "A", {"x", {{"GET /*", say("ok")}}});
    start();
    EXPECT_EQ(get("/x/1", "h").status, 200);
    server_->close_listeners();
    EXPECT_THROW(client(), std::runtime_error); // connection refused
}

TEST_F(HttpServerTest, NothingIsHtml) {
    router_.mount("h", "/x", "A",
                  {"x",
                   {{"GET /ok", say("ok")},
                    {"GET /empty", [](Request& req) { req.respond(Response::text(204, "")); }},
                    {"GET /throw", [](Request&) { throw 1; }},
                    {"POST /p", say("p")}}});
    start();
    for (const char* path : {"/x/ok", "/x/empty", "/x/throw", "/x/p", "/nothing"}) {
        expect_not_html(get(path, "h"));
    }
}

} // namespace
} // namespace cadenza::http
