// The well-behaved client the abuse tests (hostile_input, tls_abuse) keep alive while they throw
// things at the server, to show that nobody else is harmed: one server for the whole suite,
// alice logged in and publishing to the pubsub node "watch", and an SSE stream following that
// node over plain HTTP or over HTTPS.
//
//   class Abuse : public WatchedServerSuite<Abuse> {
//   protected:
//       static void SetUpTestSuite() {
//           watched_ = std::make_unique<WatchedServer>(WatchedServer::Stream::kHttp);
//           ASSERT_NO_FATAL_FAILURE(watched_->start(watched_->config("c2s_timeout = 30\n")));
//       }
//   };
//
// After every case the fixture checks that alice and her stream are still served.
#pragma once

#include "http_client.hpp"
#include "server_process.hpp"
#include "sse_parser.hpp"
#include "temp_dir.hpp"
#include "test_cert.hpp"
#include "xmpp_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace cadenza::test {

// Logs alice in (password "secret", resource "bystander") over STARTTLS trusting `ca_file`,
// and creates the pubsub node "watch" on pubsub.localhost for her to publish to. Fails the
// test (fatally) if either does not work.
void connect_bystander(int c2s_port, const std::string& ca_file,
                       std::unique_ptr<XmppClient>& alice);

class WatchedServer {
public:
    // How the SSE stream (and the fresh client of each check) reaches the server.
    enum class Stream { kHttp, kHttps };

    // Picks the ports and makes the certificate for "localhost".
    explicit WatchedServer(Stream stream);
    WatchedServer(const WatchedServer&) = delete;
    WatchedServer& operator=(const WatchedServer&) = delete;

    // The config: loopback globals, HTTPS (for Stream::kHttps) and c2s on 127.0.0.1 with the
    // certificate, then `globals`; VirtualHost "localhost" with mod_example, and
    // pubsub.localhost with mod_pubsub_eventsource on the localhost HTTP host.
    std::string config(const std::string& globals) const;

    // Registers alice, starts the server with `config`, logs alice in (connect_bystander) and
    // opens the SSE stream of "watch". Fails the test fatally when a step does not work;
    // ready() once all did.
    void start(const std::string& config);

    // The server runs, alice answers a ping and publishes an item that arrives on her stream,
    // and a fresh client gets /example/hello. Fails the test (fatally when the server is gone or
    // the stream got nothing).
    void expect_still_served();
    // Prints the tail of the server's log to stderr.
    void print_log_tail() const;
    // Closes alice and the stream, then stops the server, if it was started, cleanly
    // (expect_clean_stop).
    void stop();

    bool ready() const { return ready_; }
    int http_port() const { return http_port_; }
    int https_port() const { return https_port_; }
    int c2s_port() const { return c2s_port_; }
    const TestCert& cert() const { return cert_; }
    CadenzaServer& server() { return *server_; }

private:
    // A new client on the HTTP port, or on the HTTPS port trusting the certificate.
    std::unique_ptr<HttpClient> http_client() const;

    Stream stream_;
    TempDir dir_;
    TestCert cert_;
    int http_port_ = 0;
    int https_port_ = 0;
    int c2s_port_ = 0;
    std::unique_ptr<CadenzaServer> server_;
    std::unique_ptr<XmppClient> alice_;
    std::unique_ptr<HttpClient> sse_;
    SseParser parser_;
    int checks_ = 0;
    bool ready_ = false;
};

// A fixture whose cases share one WatchedServer, made by the suite's SetUpTestSuite in watched_
// (`Suite`, the deriving fixture, gives each suite a server of its own). After every case it
// checks that the others are still served, and shows the server's log when the case failed.
template <typename Suite> class WatchedServerSuite : public ::testing::Test {
protected:
    static void TearDownTestSuite() {
        if (watched_) {
            watched_->stop();
        }
        watched_.reset();
    }

    void SetUp() override { ASSERT_TRUE(watched_ != nullptr && watched_->ready()); }

    void TearDown() override {
        if (watched_ == nullptr || !watched_->ready()) {
            return;
        }
        check_others_served();
        if (HasFailure()) {
            watched_->print_log_tail();
        }
    }

    // What TearDown checks after every case; a suite that checks more overrides it.
    virtual void check_others_served() { watched_->expect_still_served(); }

    static inline std::unique_ptr<WatchedServer> watched_;
};

} // namespace cadenza::test
