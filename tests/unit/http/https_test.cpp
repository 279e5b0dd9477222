#include "server_fixture.hpp"
#include "sse_parser.hpp"
#include "test_cert.hpp"

#include <cadenza/sse.hpp>

#include <openssl/ssl.h>

#include <cstdlib>
#include <filesystem>

namespace cadenza::http {
namespace {

class HttpsTest : public ServerFixture {
protected:
    void SetUp() override {
        ServerFixture::SetUp();
        char tmpl[] = "/tmp/cadenza-https-XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
        cert_ = test::make_test_cert(dir_, "secure.example");
        ctx_ = SSL_CTX_new(TLS_server_method());
        ASSERT_EQ(SSL_CTX_use_certificate_file(ctx_, cert_.cert_file.c_str(), SSL_FILETYPE_PEM), 1);
        ASSERT_EQ(SSL_CTX_use_PrivateKey_file(ctx_, cert_.key_file.c_str(), SSL_FILETYPE_PEM), 1);
    }

    void TearDown() override {
        ServerFixture::TearDown();
        SSL_CTX_free(ctx_); // the server took its own reference
        std::filesystem::remove_all(dir_);
    }

    std::unique_ptr<test::TlsHttpClient> tls_client() {
        return std::make_unique<test::TlsHttpClient>(port_, "secure.example", cert_.cert_file,
                                                     client_options());
    }

    std::string dir_;
    test::TestCert cert_;
    SSL_CTX* ctx_ = nullptr;
};

TEST_F(HttpsTest, RequestOverTlsIsSecure) {
    router_.mount("secure.example", "/x", "A",
                  {"x", {{"GET /*", [](Request& req) {
                              req.respond(Response::text(200, req.secure() ? "tls" : "plain"));
                          }}}});
    start({}, ctx_, {{"127.0.0.1", 0, true}, {"127.0.0.1", 0, false}});
    auto c = tls_client(); // verifies the certificate against the generated one
    EXPECT_EQ(c->peer_common_name(), "secure.example");
    c->send_request("GET", "/x/1", "secure.example");
    test::HttpResponse r = c->read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "tls");
    expect_not_html(r);

    // The plain listener of the same server says so too.
    int plain_port = server_->bound_ports().at(1);
    test::HttpClient plain(plain_port, client_options());
    plain.send_request("GET", "/x/1", "secure.example");
    EXPECT_EQ(plain.read_response().body, "plain");
}

TEST_F(HttpsTest, EventStreamOverTls) {
    std::vector<sse::EventStreamPtr> streams;
    router_.mount("secure.example", "/es", "A",
                  {"es", {{"GET /*", [&streams](Request& req) {
                               streams.push_back(req.start_event_stream({}, {}));
                           }}}});
    start({}, ctx_, {{"127.0.0.1", 0, true}});
    auto c = tls_client();
    c->send_request("GET", "/es/n", "secure.example");
    EXPECT_EQ(c->read_head().status, 200);
    ASSERT_TRUE(pump_until([&] { return streams.size() == 1; }));
    streams[0]->send(sse::make_frame({.id = "1", .data = "over tls"}));
    test::SseParser p;
    auto deadline = std::chrono::steady_clock::now() + 3s;
    while (p.events().empty() && std::chrono::steady_clock::now() < deadline) {
        p.feed(c->read_some(50ms));
    }
    ASSERT_EQ(p.events().size(), 1u);
    EXPECT_EQ(p.events()[0].data, "over tls");
    c->close();
    ASSERT_TRUE(pump_until([&] { return !streams[0]->is_open(); }));
}

TEST_F(HttpsTest, PlainTextOnTheTlsPortIsRefused) {
    start({}, ctx_, {{"127.0.0.1", 0, true}});
    test::HttpClient c(port_, client_options());
    c.send_request("GET", "/x", "secure.example");
    EXPECT_TRUE(c.wait_closed(2s));
    ASSERT_TRUE(pump_until([&] { return server_->stats().open_connections == 0; }));
}

TEST(TestCert, RsaAndIpAddresses) {
    char tmpl[] = "/tmp/cadenza-cert-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    auto cert = test::make_test_cert(tmpl, "127.0.0.1", true);
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    EXPECT_EQ(SSL_CTX_use_certificate_file(ctx, cert.cert_file.c_str(), SSL_FILETYPE_PEM), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey_file(ctx, cert.key_file.c_str(), SSL_FILETYPE_PEM), 1);
    EXPECT_EQ(SSL_CTX_check_private_key(ctx), 1);
    SSL_CTX_free(ctx);
    std::filesystem::remove_all(tmpl);
}

} // namespace
} // namespace cadenza::http
