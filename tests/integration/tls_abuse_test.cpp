// TLS abuse against the real binary: plaintext on TLS ports, handshakes that stop half-way,
// and client-initiated renegotiation. One server runs for the whole file, with HTTPS, direct
// TLS c2s (XEP-0368) and STARTTLS c2s; alice stays logged in throughout, publishing to a
// pubsub node that an SSE stream over HTTPS follows, and must be served after every case.
#include "bystander.hpp"
#include "http_client.hpp"
#include "raw_xmpp.hpp"
#include "server_process.hpp"
#include "xmpp_client.hpp"

#include <gtest/gtest.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <unistd.h>

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
        fd_ = tcp_connect(port, Clock::now() + 5s);
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

class TlsAbuse : public WatchedServerSuite<TlsAbuse> {
protected:
    static void SetUpTestSuite() {
        watched_ = std::make_unique<WatchedServer>(WatchedServer::Stream::kHttps);
        direct_port_ = free_port();
        const std::string timeout = std::to_string(kHandshakeTimeoutSeconds);
        ASSERT_NO_FATAL_FAILURE(watched_->start(watched_->config(
            "c2s_direct_tls_ports = { " + std::to_string(direct_port_) +
            " }\nhttp_request_timeout = " + timeout + "\nc2s_timeout = " + timeout + "\n")));
    }

    static int https_port() { return watched_->https_port(); }
    static int c2s_port() { return watched_->c2s_port(); }

    void check_others_served() override { expect_others_served(); }

    // alice's session and stream work, and new clients on every TLS port get served.
    static void expect_others_served() {
        ASSERT_NO_FATAL_FAILURE(watched_->expect_still_served());
        RawXmppConnection direct(direct_port_);
        direct.start_tls("localhost", watched_->cert().cert_file);
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
    static void expect_renegotiation_refused(int port, std::string_view request,
                                             std::string_view answer);

    static inline int direct_port_ = 0; // c2s with direct TLS (XEP-0368)
};

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

// A TLS 1.2 session on `port` that carried `request` (answered with `answer`) asks for a new
// handshake: the server refuses it (no_renegotiation) or closes, and does so at once.
void TlsAbuse::expect_renegotiation_refused(int port, std::string_view request,
                                            std::string_view answer) {
    Tls12Connection tls(port);
    Tls12Connection::Outcome hs = tls.handshake();
    ASSERT_TRUE(hs.ok) << hs.why;
    ASSERT_EQ(SSL_version(tls.ssl()), TLS1_2_VERSION);
    ASSERT_TRUE(tls.exchange(request, answer));

    auto begin = Clock::now();
    Tls12Connection::Outcome again = tls.renegotiate();
    EXPECT_FALSE(again.ok) << "the server renegotiated";
    EXPECT_FALSE(again.timed_out) << "the server neither refused nor closed";
    EXPECT_LT(Clock::now() - begin, 4s);
    EXPECT_TRUE(again.no_renegotiation || again.ssl_error == SSL_ERROR_ZERO_RETURN ||
                again.ssl_error == SSL_ERROR_SYSCALL)
        << again.why;
}

TEST_F(TlsAbuse, PlaintextOnTheHttpsPortIsClosedPromptly) {
    const std::string request = build_request("GET", "/example/hello", "localhost");
    EXPECT_TRUE(closed_after_sending(https_port(), request, kPromptly));
    EXPECT_TRUE(closed_after_sending(https_port(), client_stream_header("localhost"), kPromptly));
}

TEST_F(TlsAbuse, PlaintextOnTheDirectTlsPortIsClosedPromptly) {
    const std::string request = build_request("GET", "/example/hello", "localhost");
    EXPECT_TRUE(closed_after_sending(direct_port_, request, kPromptly));

    RawXmppConnection raw(direct_port_);
    raw.send(client_stream_header("localhost"));
    EXPECT_TRUE(raw.wait_closed(kPromptly));
    // Nothing was answered in the clear.
    EXPECT_EQ(raw.transcript().find("<stream"), std::string::npos) << raw.transcript();
}

TEST_F(TlsAbuse, HalfHandshakesOnHttpsTimeOutWhileOthersAreServed) {
    expect_half_handshakes_time_out(https_port());
}

TEST_F(TlsAbuse, HalfHandshakesOnTheDirectTlsPortTimeOutWhileOthersAreServed) {
    expect_half_handshakes_time_out(direct_port_);
}

TEST_F(TlsAbuse, HalfHandshakeAfterStartTlsTimesOut) {
    RawXmppConnection raw(c2s_port());
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
        int port = i % 2 == 0 ? https_port() : direct_port_;
        halves.push_back(std::make_unique<HttpClient>(port));
        halves.back()->send_raw(std::string_view(hello).substr(0, hello.size() - 1));
    }
    expect_others_served();
    EXPECT_TRUE(all_closed(halves, kAfterTimeout)) << "still open after the timeout";
}

TEST_F(TlsAbuse, ClientRenegotiationIsRefusedOnHttps) {
    expect_renegotiation_refused(https_port(), build_request("GET", "/example/hello", "localhost"),
                                 "Hello from");
}

TEST_F(TlsAbuse, ClientRenegotiationIsRefusedOnDirectTlsC2s) {
    expect_renegotiation_refused(direct_port_, client_stream_header("localhost"),
                                 "</stream:features>");
}

} // namespace
} // namespace cadenza::test
