// A raw XMPP-over-TCP client for tests that send what no real client would: bad XML, wrong
// namespaces, over-size stanzas, SASL before TLS. It sends exactly the bytes given and reads
// with deadlines, optionally upgrading to TLS (OpenSSL) after the server's <proceed/>.
//
//   RawXmppConnection raw(port);
//   raw.send(client_stream_header("localhost"));
//   ASSERT_TRUE(raw.read_until("</stream:features>"));
//   raw.send("<message><body>unclosed</message>");
//   EXPECT_TRUE(raw.read_until("not-well-formed"));
//   EXPECT_TRUE(raw.wait_closed());
//
// Everything received is kept (transcript()) for test messages. One thread at a time.
#pragma once

#include "client_socket.hpp"

#include <chrono>
#include <string>
#include <string_view>

namespace cadenza::test {

using namespace std::chrono_literals;

// "<?xml version='1.0'?><stream:stream to='{to}' version='1.0' xmlns='{content_ns}'
// xmlns:stream='{stream_ns}'>", as a client opens its stream.
std::string client_stream_header(std::string_view to, std::string_view content_ns = "jabber:client",
                                 std::string_view stream_ns = "http://etherx.jabber.org/streams");

// The condition of the <stream:error/> that ended the last stream in `transcript` (what a raw
// connection received; after a stream restart only the newest stream counts); "" when none,
// a note saying so when the server's output does not parse.
std::string stream_error_condition(const std::string& transcript);
// The condition of the last SASL <failure/> in `transcript`, "" when none.
std::string sasl_failure_condition(const std::string& transcript);

class RawXmppConnection {
public:
    // Connects to 127.0.0.1:port; throws std::runtime_error when that fails in time.
    explicit RawXmppConnection(int port, std::chrono::milliseconds timeout = 5s);
    ~RawXmppConnection();
    RawXmppConnection(const RawXmppConnection&) = delete;
    RawXmppConnection& operator=(const RawXmppConnection&) = delete;

    // Sends all of `bytes`; false when the connection failed or the deadline passed first
    // (the server may close before reading everything, which some tests expect).
    bool send(std::string_view bytes, std::chrono::milliseconds timeout = 5s);

    // Reads until `needle` appears in what arrived after the previous match (or the start);
    // then the next search starts after it. False when the server closed or the deadline
    // passed first.
    bool read_until(std::string_view needle, std::chrono::milliseconds timeout = 5s);
    // Reads (keeping the bytes) until the server closes; false when the deadline passes first.
    bool wait_closed(std::chrono::milliseconds timeout = 5s);
    bool closed() const { return closed_; }

    // Everything received so far (decrypted), and what came after the last match.
    const std::string& transcript() const { return received_; }
    std::string unread() const { return received_.substr(cursor_); }

    // Upgrades the connection to TLS (after <proceed/>): SNI `server_name`; the certificate is
    // verified against `ca_file` (and the name) when given, else accepted. Throws
    // std::runtime_error when the handshake fails or times out.
    void start_tls(std::string_view server_name, std::string_view ca_file = {},
                   std::chrono::milliseconds timeout = 5s);
    bool secured() const { return tls_.ssl != nullptr; }

private:
    // Reads what is available, waiting until `deadline`; false on EOF, error or deadline.
    bool fill(std::chrono::steady_clock::time_point deadline);
    // Waits for poll `events` on the socket until `deadline`; false when it passed.
    bool wait(short events, std::chrono::steady_clock::time_point deadline) const;

    int fd_ = -1;
    ClientTls tls_;
    std::string received_;
    std::size_t cursor_ = 0;
    bool closed_ = false;
};

} // namespace cadenza::test
