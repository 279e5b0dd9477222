// HTTP as a browser meets it, against the real server with mod_example loaded on several
// hosts: virtual hosts, http_host and http_paths, the core's own answers, and HTTPS.
#include "http_client.hpp"
#include "server_process.hpp"
#include "test_cert.hpp"
#include "test_config.hpp"

#include <gtest/gtest.h>

namespace cadenza::test {
namespace {

class HttpTest : public ::testing::Test {
protected:
    void start(const std::string& extra) {
        port_ = free_port();
        server_ = std::make_unique<CadenzaServer>(dir_, loopback_globals(port_) + extra);
        ASSERT_TRUE(server_->wait_started()) << server_->log();
    }

    HttpResponse get(std::string_view host, std::string_view path,
                     std::string_view method = "GET") {
        HttpClient client(port_);
        client.send_request(method, path, host);
        return client.read_response(5s, method == "HEAD");
    }

    TempDir dir_;
    int port_ = 0;
    std::unique_ptr<CadenzaServer> server_;
};

const char* kHosts = "http_default_host = \"b.localhost\"\n"
                     "VirtualHost \"a.localhost\"\n"
                     "  modules_enabled = { \"example\" }\n"
                     "  example_greeting = \"Hi from\"\n"
                     "VirtualHost \"b.localhost\"\n"
                     "  modules_enabled = { \"example\" }\n"
                     "Component \"c.localhost\" \"example\"\n"
                     "  http_host = \"a.localhost\"\n"
                     "  http_paths = { example = \"/c-example\" }\n";

TEST_F(HttpTest, RequestsLandOnTheHostTheirHostHeaderNames) {
    start(kHosts);
    HttpResponse a = get("a.localhost", "/example/hello");
    EXPECT_EQ(a.status, 200);
    EXPECT_EQ(a.body, "Hi from a.localhost\n");
    EXPECT_EQ(a.header("Content-Type").value_or(""), "text/plain; charset=utf-8");

    // Case-insensitive, port ignored.
    EXPECT_EQ(get("B.LocalHost:" + std::to_string(port_), "/example/hello").body,
              "Hello from b.localhost\n");
    // The component's routes, under http_host at its http_paths base.
    EXPECT_EQ(get("a.localhost", "/c-example/hello").body, "Hello from c.localhost\n");
    EXPECT_EQ(get("c.localhost", "/c-example/hello").status, 404);
    // Unknown Host: http_default_host serves it.
    EXPECT_EQ(get("elsewhere.example", "/example/hello").body, "Hello from b.localhost\n");
}

TEST_F(HttpTest, CoreAnswersUnknownPathsAndWrongMethods) {
    start(kHosts);
    HttpResponse missing = get("a.localhost", "/nothing/here");
    EXPECT_EQ(missing.status, 404);
    EXPECT_NE(missing.header("Content-Type").value_or("text/html").find("text/plain"),
              std::string::npos);

    HttpResponse wrong = get("a.localhost", "/example/hello", "DELETE");
    EXPECT_EQ(wrong.status, 405);
    EXPECT_NE(wrong.header("Allow").value_or("").find("GET"), std::string::npos);

    HttpResponse head = get("a.localhost", "/example/hello", "HEAD");
    EXPECT_EQ(head.status, 200);
    EXPECT_TRUE(head.body.empty());

    HttpClient garbage(port_);
    garbage.send_raw("THIS IS NOT HTTP\r\n\r\n");
    HttpResponse bad = garbage.read_response();
    EXPECT_EQ(bad.status, 400);

    HttpClient huge(port_);
    huge.send_raw(build_request("GET", "/example/hello", "a.localhost",
                                {{"X-Filler", std::string(64 * 1024, 'x')}}));
    HttpResponse too_big = huge.read_response();
    EXPECT_TRUE(too_big.status == 413 || too_big.status == 400) << too_big.status;

    // The server is unharmed.
    EXPECT_EQ(get("a.localhost", "/example/hello").status, 200);
}

TEST_F(HttpTest, RouteConflictFailsTheSecondModuleNamingBoth) {
    start("VirtualHost \"localhost\"\n"
          "Component \"one.localhost\" \"example\"\n"
          "  http_host = \"localhost\"\n"
          "Component \"two.localhost\" \"example\"\n"
          "  http_host = \"localhost\"\n");
    std::string log = server_->log();
    EXPECT_NE(log.find("one.localhost"), std::string::npos) << log;
    auto conflict = log.find("two.localhost");
    ASSERT_NE(conflict, std::string::npos) << log;
    EXPECT_NE(log.find("/example"), std::string::npos) << log;
    // The first keeps serving.
    EXPECT_EQ(get("localhost", "/example/hello").body, "Hello from one.localhost\n");
}

TEST_F(HttpTest, HttpsServesTheSameRoutes) {
    TestCert cert = make_test_cert(dir_.path(), "localhost");
    int https_port = free_port();
    // Global options: before the first host line.
    start("https_ports = { " + std::to_string(https_port) + " }\nhttps_ssl = { certificate = \"" +
          cert.cert_file + "\", key = \"" + cert.key_file +
          "\" }\nVirtualHost \"localhost\"\n  modules_enabled = { \"example\" }\n");
    TlsHttpClient client(https_port, "localhost", cert.cert_file);
    client.send_request("GET", "/example/hello", "localhost");
    HttpResponse r = client.read_response();
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "Hello from localhost\n");
    EXPECT_EQ(client.peer_common_name(), "localhost");
}

} // namespace
} // namespace cadenza::test
