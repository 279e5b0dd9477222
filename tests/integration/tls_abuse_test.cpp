// TLS abuse against the real binary: plaintext on TLS ports, handshakes that stop half-way,
// and client-initiated renegotiation. One server runs for the whole file, with HTTPS, direct
// TLS c2s (XEP-0368) and STARTTLS c2s; alice stays logged in throughout, publishing to a
// pubsub node that an SSE stream over HTTPS follows, and must be served after every case.
#include "bystander.hpp"
#include "http_client.hpp"
#include "raw_xmpp.hpp"
#include "server_process.hpp"
#include "sse_parser.hpp"
#include "test_cert.hpp"
#include "test_config.hpp"
#include "xmpp_client.hpp"

#include <gtest/gtest.h>

#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::test {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kHandshakeTimeoutSeconds = 3; // http_request_timeout and c2s_timeout below

std::string openssl_errors() {
    std::string out;
    while (unsigned long code = ERR_get_error()) {
        char buf[256];
        ERR_error_string_n(code, buf, sizeof buf);
        out += out.empty() ? "" : "; ";
        out += buf;
    }
    return out.empty() ? "no OpenSSL error" : out;
}

// The first flight of a TLS client (one record holding a ClientHello for "localhost"), made
// with memory BIOs so that the test can send all of it, or a part, by hand.
std::string client_hello() {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL* ssl = SSL_new(ctx);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl, in, out);
    SSL_set_tlsext_host_name(ssl, "localhost");
    SSL_set_connect_state(ssl);
    SSL_do_handshake(ssl); // wants to read the ServerHello now
    char* data = nullptr;
    long size = BIO_get_mem_data(out, &data);
    std::string hello(data, static_cast<std::size_t>(size));
    SSL_free(ssl);
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return hello;
}

// A TLS 1.2 client on a non-blocking socket, for what TlsHttpClient does not do: renegotiate.
class Tls12Connection {
public:
    explicit Tls12Connection(int port) {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<std::uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
            errno != EINPROGRESS) {
            throw std::runtime_error("connect failed");
        }
        ctx_ = SSL_CTX_new(TLS_client_method());
        SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
        SSL_CTX_set_max_proto_version(ctx_, TLS1_2_VERSION);
        ssl_ = SSL_new(ctx_);
        SSL_set_fd(ssl_, fd_);
        SSL_set_tlsext_host_name(ssl_, "localhost");
        SSL_set_connect_state(ssl_);
    }
    ~Tls12Connection() {
        SSL_free(ssl_);
        SSL_CTX_free(ctx_);
        ::close(fd_);
    }
    Tls12Connection(const Tls12Connection&) = delete;
    Tls12Connection& operator=(const Tls12Connection&) = delete;

    struct Outcome {
        bool ok = false;
        bool timed_out = false;
        int ssl_error = 0;       // SSL_get_error of the failing call
        std::string why;         // OpenSSL's error queue
        bool no_renegotiation = false; // the server said no_renegotiation
    };

    // Runs SSL_do_handshake until it completes or fails.
    Outcome handshake(std::chrono::milliseconds timeout = 5s) {
        return drive([this] { return SSL_do_handshake(ssl_); }, timeout);
    }

    // Sends `bytes` and reads until `needle` arrived.
    bool exchange(std::string_view bytes, std::string_view needle,
                  std::chrono::milliseconds timeout = 5s) {
        std::size_t sent = 0;
        Outcome w = drive(
            [&] {
                int n = SSL_write(ssl_, bytes.data() + sent, static_cast<int>(bytes.size() - sent));
                if (n > 0) {
                    sent += static_cast<std::size_t>(n);
                }
                return sent == bytes.size() ? 1 : (n > 0 ? -2 : n);
            },
            timeout);
        if (!w.ok) {
            return false;
        }
        std::string received;
        Outcome r = drive(
            [&] {
                char buf[4096];
                int n = SSL_read(ssl_, buf, sizeof buf);
                if (n > 0) {
                    received.append(buf, static_cast<std::size_t>(n));
                }
                return received.find(needle) != std::string::npos ? 1 : (n > 0 ? -2 : n);
            },
            timeout);
        return r.ok;
    }

    // Asks for a new handshake on the established connection (client-initiated
    // renegotiation) and drives it to its end.
    Outcome renegotiate(std::chrono::milliseconds timeout = 5s) {
        if (SSL_renegotiate(ssl_) != 1) {
            Outcome o;
            o.why = "SSL_renegotiate refused locally: " + openssl_errors();
            return o;
        }
        Outcome o = handshake(timeout);
        if (o.ok) {
            // The handshake call may return once the ClientHello is out; the renegotiation is
            // only done when the server answered it.
            o = drive(
                [this] {
                    char buf[256];
                    int n = SSL_read(ssl_, buf, sizeof buf);
                    return SSL_renegotiate_pending(ssl_) == 0 ? 1 : (n > 0 ? -2 : n);
                },
                timeout);
        }
        return o;
    }

    SSL* ssl() const { return ssl_; }

private:
    // Calls `step` until it returns 1 (done) or fails; -2 means "progress, call again".
    template <typename F> Outcome drive(F&& step, std::chrono::milliseconds timeout) {
        Outcome o;
        auto deadline = Clock::now() + timeout;
        for (;;) {
            ERR_clear_error();
            int rc = step();
            if (rc == 1) {
                o.ok = true;
                return o;
            }
            if (rc == -2) {
                continue;
            }
            int error = SSL_get_error(ssl_, rc);
            if (error != SSL_ERROR_WANT_READ && error != SSL_ERROR_WANT_WRITE) {
                o.ssl_error = error;
                unsigned long code = ERR_peek_error();
                o.no_renegotiation = ERR_GET_REASON(code) == SSL_R_NO_RENEGOTIATION;
                o.why = openssl_errors();
                return o;
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                              Clock::now());
            if (left <= 0ms) {
                o.timed_out = true;
                o.why = "timed out";
                return o;
            }
            pollfd p{fd_, static_cast<short>(error == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
            ::poll(&p, 1, static_cast<int>(left.count()));
        }
    }

    int fd_ = -1;
    SSL_CTX* ctx_ = nullptr;
    SSL* ssl_ = nullptr;
};

class TlsAbuse : public ::testing::Test {
protected:
    struct Shared {
        TempDir dir;
        TestCert cert;
        int http_port = 0;
        int https_port = 0;
        int c2s_port = 0;
        int direct_port = 0;
        std::unique_ptr<CadenzaServer> server;
        std::unique_ptr<XmppClient> alice;
        std::unique_ptr<TlsHttpClient> sse;
        SseParser parser;
        int checks = 0;
        bool ready = false;
    };

    static void SetUpTestSuite() {
        shared_ = new Shared();
        Shared& s = *shared_;
        s.http_port = free_port();
        s.https_port = free_port();
        s.c2s_port = free_port();
        s.direct_port = free_port();
        s.cert = make_test_cert(s.dir.path(), "localhost");
        const std::string timeout = std::to_string(kHandshakeTimeoutSeconds);
        std::string config = loopback_globals(s.http_port) + "https_ports = { " +
                             std::to_string(s.https_port) + " }\nc2s_ports = { " +
                             std::to_string(s.c2s_port) + " }\nc2s_direct_tls_ports = { " +
                             std::to_string(s.direct_port) +
                             " }\nc2s_interfaces = { \"127.0.0.1\" }\nssl = { certificate = \"" +
                             s.cert.cert_file + "\", key = \"" + s.cert.key_file +
                             "\" }\nhttp_request_timeout = " + timeout + "\nc2s_timeout = " +
                             timeout +
                             "\nVirtualHost \"localhost\"\n"
                             "  modules_enabled = { \"example\" }\n"
                             "Component \"pubsub.localhost\" \"pubsub\"\n"
                             "  modules_enabled = { \"pubsub_eventsource\" }\n"
                             "  http_host = \"localhost\"\n";
        ASSERT_EQ(register_accounts(s.dir, config, {"alice"}), "");
        s.server = std::make_unique<CadenzaServer>(s.dir, config);
        ASSERT_TRUE(s.server->wait_started()) << s.server->log();

        ASSERT_NO_FATAL_FAILURE(connect_bystander(s.c2s_port, s.cert.cert_file, s.alice));
        s.sse = std::make_unique<TlsHttpClient>(s.https_port, "localhost", s.cert.cert_file);
        s.sse->send_request("GET", "/eventsource/watch", "localhost");
        HttpResponse head = s.sse->read_head();
        ASSERT_EQ(head.status, 200) << head.body;
        s.ready = true;
    }

    static void TearDownTestSuite() {
        Shared& s = *shared_;
        if (s.server) {
            s.sse.reset();
            s.alice.reset();
            expect_clean_stop(*s.server);
        }
        delete shared_;
        shared_ = nullptr;
    }

    void SetUp() override { ASSERT_TRUE(shared_ != nullptr && shared_->ready); }

    void TearDown() override {
        if (shared_ == nullptr || !shared_->ready) {
            return;
        }
        expect_others_served();
        if (HasFailure()) {
            std::string log = shared_->server->log();
            std::cerr << "--- server log (tail) ---\n"
                      << log.substr(log.size() > 20000 ? log.size() - 20000 : 0) << "\n";
        }
    }

    // alice's session and stream work, and new clients on every TLS port get served.
    static void expect_others_served() {
        Shared& s = *shared_;
        ASSERT_TRUE(s.server->process().running()) << s.server->log();
        std::string id = "check-" + std::to_string(++s.checks);
        Stanza pong = s.alice->request("<iq type='get' to='localhost' id='ping" + id +
                                       "'><ping xmlns='urn:xmpp:ping'/></iq>");
        EXPECT_EQ(pong.attr("type"), "result") << s.alice->trace();
        Stanza published = s.alice->request(
            "<iq type='set' to='pubsub.localhost' id='pub" + id +
            "'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='watch'><item "
            "id='" +
            id + "'><n xmlns='urn:test'>" + id + "</n></item></publish></pubsub></iq>");
        EXPECT_EQ(published.attr("type"), "result") << s.alice->trace();
        bool arrived = wait_until(
            [&] {
                s.parser.feed(s.sse->read_some(20ms));
                return !s.parser.events().empty() || s.sse->body_done();
            },
            10s);
        ASSERT_TRUE(arrived && !s.parser.events().empty()) << "the SSE stream got nothing";
        EXPECT_EQ(s.parser.take_events().back().last_event_id, id);

        TlsHttpClient https(s.https_port, "localhost", s.cert.cert_file);
        https.send_request("GET", "/example/hello", "localhost");
        EXPECT_EQ(https.read_response().status, 200);

        RawXmppConnection direct(s.direct_port);
        direct.start_tls("localhost", s.cert.cert_file);
        EXPECT_TRUE(direct.send(client_stream_header("localhost")));
        EXPECT_TRUE(direct.read_until("</stream:features>")) << direct.transcript();
    }

    // Sends `bytes` in the clear and waits for the server to close; false if it did not
    // within `timeout`.
    static bool closed_after_sending(int port, std::string_view bytes,
                                     std::chrono::milliseconds timeout) {
        HttpClient client(port);
        try {
            client.send_raw(bytes);
        } catch (const std::runtime_error&) {
            return true; // already gone
        }
        return client.wait_closed(timeout);
    }

    // Waits until the server closed every one of `clients`; false when the deadline passes.
    static bool all_closed(std::vector<std::unique_ptr<HttpClient>>& clients,
                           std::chrono::milliseconds timeout) {
        return wait_until(
            [&] {
                for (auto& client : clients) {
                    if (!client->wait_closed(1ms)) {
                        return false;
                    }
                }
                return true;
            },
            timeout);
    }

    static void expect_half_handshakes_time_out(int port);

    static Shared* shared_;
};

TlsAbuse::Shared* TlsAbuse::shared_ = nullptr;

// Less than the handshake timeout: the server closes because of what it read, not later.
constexpr auto kPromptly = std::chrono::milliseconds(kHandshakeTimeoutSeconds * 1000 - 1000);
// The handshake timeout plus the c2s closing drain (5 s) and slack for slow sanitizer builds.
constexpr auto kAfterTimeout = std::chrono::seconds(kHandshakeTimeoutSeconds + 10);

// Handshakes that stop (a whole ClientHello, 3 bytes, half of it, or nothing) on a TLS `port`:
// others are served meanwhile, and each is closed at the handshake timeout, not before.
void TlsAbuse::expect_half_handshakes_time_out(int port) {
    const std::string hello = client_hello();
    ASSERT_GT(hello.size(), 10U);
    auto begin = Clock::now();
    std::vector<std::unique_ptr<HttpClient>> halves;
    for (std::string_view part : {std::string_view(hello), std::string_view(hello).substr(0, 3),
                                  std::string_view(hello).substr(0, hello.size() / 2)}) {
        halves.push_back(std::make_unique<HttpClient>(port));
        halves.back()->send_raw(part);
    }
    // Connected but silent: no byte at all.
    halves.push_back(std::make_unique<HttpClient>(port));

    expect_others_served();
    for (auto& half : halves) {
        if (Clock::now() - begin < std::chrono::seconds(kHandshakeTimeoutSeconds) - 500ms) {
            EXPECT_FALSE(half->wait_closed(1ms)) << "closed before the timeout";
        }
    }
    EXPECT_TRUE(all_closed(halves, kAfterTimeout)) << "still open after the timeout";
}

TEST_F(TlsAbuse, PlaintextOnTheHttpsPortIsClosedPromptly) {
    const std::string request = build_request("GET", "/example/hello", "localhost");
    EXPECT_TRUE(closed_after_sending(shared_->https_port, request, kPromptly));
    EXPECT_TRUE(closed_after_sending(shared_->https_port, client_stream_header("localhost"),
                                     kPromptly));
}

TEST_F(TlsAbuse, PlaintextOnTheDirectTlsPortIsClosedPromptly) {
    const std::string request = build_request("GET", "/example/hello", "localhost");
    EXPECT_TRUE(closed_after_sending(shared_->direct_port, request, kPromptly));

    RawXmppConnection raw(shared_->direct_port);
    raw.send(client_stream_header("localhost"));
    EXPECT_TRUE(raw.wait_closed(kPromptly));
    // Nothing was answered in the clear.
    EXPECT_EQ(raw.transcript().find("<stream"), std::string::npos) << raw.transcript();
}

TEST_F(TlsAbuse, HalfHandshakesOnHttpsTimeOutWhileOthersAreServed) {
    expect_half_handshakes_time_out(shared_->https_port);
}

TEST_F(TlsAbuse, HalfHandshakesOnTheDirectTlsPortTimeOutWhileOthersAreServed) {
    expect_half_handshakes_time_out(shared_->direct_port);
}

TEST_F(TlsAbuse, HalfHandshakeAfterStartTlsTimesOut) {
    RawXmppConnection raw(shared_->c2s_port);
    ASSERT_TRUE(raw.send(client_stream_header("localhost")));
    ASSERT_TRUE(raw.read_until("</stream:features>")) << raw.transcript();
    ASSERT_TRUE(raw.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
    ASSERT_TRUE(raw.read_until("<proceed")) << raw.transcript();
    const std::string hello = client_hello();
    ASSERT_TRUE(raw.send(std::string_view(hello).substr(0, hello.size() / 2)));

    expect_others_served();
    EXPECT_FALSE(raw.closed());
    EXPECT_TRUE(raw.wait_closed(kAfterTimeout)) << "still open after the timeout";
}

TEST_F(TlsAbuse, ManyHalfHandshakesDoNotStarveOthers) {
    const std::string hello = client_hello();
    std::vector<std::unique_ptr<HttpClient>> halves;
    for (int i = 0; i < 50; ++i) {
        int port = i % 2 == 0 ? shared_->https_port : shared_->direct_port;
        halves.push_back(std::make_unique<HttpClient>(port));
        halves.back()->send_raw(std::string_view(hello).substr(0, hello.size() - 1));
    }
    expect_others_served();
    EXPECT_TRUE(all_closed(halves, kAfterTimeout)) << "still open after the timeout";
}

TEST_F(TlsAbuse, ClientRenegotiationIsRefusedOnHttps) {
    Tls12Connection tls(shared_->https_port);
    Tls12Connection::Outcome hs = tls.handshake();
    ASSERT_TRUE(hs.ok) << hs.why;
    ASSERT_EQ(SSL_version(tls.ssl()), TLS1_2_VERSION);
    ASSERT_TRUE(tls.exchange(build_request("GET", "/example/hello", "localhost"), "Hello from"));

    auto begin = Clock::now();
    Tls12Connection::Outcome again = tls.renegotiate();
    EXPECT_FALSE(again.ok) << "the server renegotiated";
    EXPECT_FALSE(again.timed_out) << "the server neither refused nor closed";
    EXPECT_LT(Clock::now() - begin, 4s);
    EXPECT_TRUE(again.no_renegotiation || again.ssl_error == SSL_ERROR_ZERO_RETURN ||
                again.ssl_error == SSL_ERROR_SYSCALL)
        << again.why;
}

TEST_F(TlsAbuse, ClientRenegotiationIsRefusedOnDirectTlsC2s) {
    Tls12Connection tls(shared_->direct_port);
    Tls12Connection::Outcome hs = tls.handshake();
    ASSERT_TRUE(hs.ok) << hs.why;
    ASSERT_EQ(SSL_version(tls.ssl()), TLS1_2_VERSION);
    ASSERT_TRUE(tls.exchange(client_stream_header("localhost"), "</stream:features>"));

    auto begin = Clock::now();
    Tls12Connection::Outcome again = tls.renegotiate();
    EXPECT_FALSE(again.ok) << "the server renegotiated";
    EXPECT_FALSE(again.timed_out) << "the server neither refused nor closed";
    EXPECT_LT(Clock::now() - begin, 4s);
    EXPECT_TRUE(again.no_renegotiation || again.ssl_error == SSL_ERROR_ZERO_RETURN ||
                again.ssl_error == SSL_ERROR_SYSCALL)
        << again.why;
}

} // namespace
} // namespace cadenza::test
