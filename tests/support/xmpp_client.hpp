// A blocking XMPP client for integration tests: libstrophe (a real client library, not a mock)
// driven with deadlines from the test's thread.
//
//   XmppClient alice(port, "alice@localhost", "secret", {.ca_file = cert.cert_file});
//   XmppConnectResult r = alice.connect();
//   ASSERT_TRUE(r) << r.error << alice.trace();
//   alice.send("<message to='bob@localhost' type='chat'><body>hi</body></message>");
//   Stanza reply = alice.wait_for(is_message_from("bob@localhost"));
//
// Two ways to log in:
//  - mechanism empty: libstrophe negotiates everything itself (STARTTLS, SASL, bind,
//    session). It takes the strongest SCRAM the server offers (SCRAM-SHA-256 here) and never
//    PLAIN next to SCRAM.
//  - mechanism set ("SCRAM-SHA-1", "SCRAM-SHA-256", "PLAIN"): libstrophe's raw mode carries
//    the stream and does TLS, and this class negotiates STARTTLS, SASL (sasl_client.hpp),
//    bind and session with the given mechanism.
//
// Every stanza received after login is kept; wait_for() hands each one out at most once, in
// arrival order, so a stanza that arrived before the test asked for it is not lost.
// libstrophe's log (every stanza sent and received) is kept for failure messages (trace())
// and also goes to stderr when CADENZA_TEST_XMPP_DEBUG is set.
//
// Nothing happens in the background: the connection only moves while a method of this object
// runs (send() flushes what it sends). One thread at a time.
#pragma once

#include <cadenza/stanza.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

typedef struct _xmpp_ctx_t xmpp_ctx_t;
typedef struct _xmpp_conn_t xmpp_conn_t;
typedef struct _xmpp_log_t xmpp_log_t;

namespace cadenza::test {

using namespace std::chrono_literals;

struct XmppClientOptions {
    enum class Tls {
        kMandatory, // STARTTLS or fail (XMPP_CONN_FLAG_MANDATORY_TLS)
        kOptional,  // STARTTLS when offered
        kDisabled,  // never (XMPP_CONN_FLAG_DISABLE_TLS)
    };
    Tls tls = Tls::kMandatory;
    // PEM certificate the server's certificate is verified against (with the host name).
    std::string ca_file;
    // Accept any certificate (XMPP_CONN_FLAG_TRUST_TLS), for when there is no ca_file.
    bool trust_any_certificate = false;
    // "" lets libstrophe choose; else the SASL mechanism to use (see above).
    std::string mechanism;
    // The resource to bind; "" lets the server choose.
    std::string resource;
};

struct XmppConnectResult {
    bool connected = false;
    std::string error;        // why not, in words
    std::string stream_error; // the condition of a <stream:error/>, e.g. "host-unknown"
    std::string sasl_failure; // the condition of the last SASL <failure/>, e.g. "not-authorized"
    int sasl_challenges = 0;  // challenges the server sent (own SASL only, see above)
    explicit operator bool() const { return connected; }
};

class XmppClient {
public:
    using Predicate = std::function<bool(const Stanza&)>;

    // `jid` is the bare account JID ("alice@localhost"); the client connects to 127.0.0.1:port.
    XmppClient(int port, std::string jid, std::string password, XmppClientOptions options = {});
    ~XmppClient(); // closes the stream politely when still connected
    XmppClient(const XmppClient&) = delete;
    XmppClient& operator=(const XmppClient&) = delete;

    // Connects and logs in; once per object.
    XmppConnectResult connect(std::chrono::milliseconds timeout = 10s);

    // Sends raw XML (one or more stanzas, or anything) and flushes it to the socket.
    void send(std::string_view xml, std::chrono::milliseconds timeout = 5s);
    void send(const Stanza& stanza, std::chrono::milliseconds timeout = 5s) {
        send(stanza.serialize(), timeout);
    }
    // The first stanza not handed out yet that matches; an empty Stanza when none came in time
    // (or the connection closed first).
    Stanza wait_for(const Predicate& predicate, std::chrono::milliseconds timeout = 5s);
    // Sends an iq (its 'id' must be set) and waits for the result or error with that id.
    Stanza request(std::string_view iq_xml, std::chrono::milliseconds timeout = 5s);
    // Runs the connection for `duration`, collecting what arrives (to show that something does
    // NOT arrive; use sparingly and briefly).
    void pump(std::chrono::milliseconds duration);

    // Sends </stream:stream> and waits for the server to close.
    void disconnect(std::chrono::milliseconds timeout = 5s);
    // Waits until the connection is closed (by the server); false when the deadline passed.
    bool wait_disconnected(std::chrono::milliseconds timeout = 5s);

    bool connected() const { return connected_ && !disconnected_; }
    bool disconnected() const { return disconnected_; }
    // The SASL mechanism that succeeded ("" before).
    const std::string& mechanism() const { return mechanism_; }
    // TLS is on (xmpp_conn_is_secured).
    bool secured() const;
    // The JID the server bound, e.g. "alice@localhost/4f2a".
    const std::string& bound_jid() const { return bound_jid_; }
    // The stream error condition the server sent, "" when none.
    const std::string& stream_error() const { return stream_error_; }
    // libstrophe's log: every stanza sent and received, and what it thought.
    const std::string& trace() const { return trace_; }
    // Every stanza received so far (also those handed out), as XML, one per line.
    std::string received_text() const;

private:
    struct Received {
        std::string xml;
        Stanza stanza;
        bool taken = false;
    };

    friend struct XmppCallbacks; // libstrophe's callbacks, in the .cpp

    XmppConnectResult connect_with_libstrophe(std::chrono::steady_clock::time_point deadline);
    XmppConnectResult connect_raw(std::chrono::steady_clock::time_point deadline);
    // Steps of connect_raw; each returns "" or why it failed.
    std::string open_stream(std::chrono::steady_clock::time_point deadline, Stanza& features);
    std::string authenticate(std::chrono::steady_clock::time_point deadline,
                             XmppConnectResult& result);
    std::string bind(std::chrono::steady_clock::time_point deadline, const Stanza& features);

    // Runs libstrophe's loop once, waiting at most `max`.
    void run_once(std::chrono::milliseconds max);
    Stanza wait_until(const Predicate& predicate, std::chrono::steady_clock::time_point deadline);
    void send_now(std::string_view xml, std::chrono::steady_clock::time_point deadline);
    void record_stream_error(const std::string& xml);
    void log_line(std::string line);

    int port_;
    std::string jid_;
    std::string password_;
    XmppClientOptions options_;
    std::unique_ptr<xmpp_log_t> log_; // must outlive ctx_
    xmpp_ctx_t* ctx_ = nullptr;
    xmpp_conn_t* conn_ = nullptr;

    std::vector<Received> received_;
    bool raw_connected_ = false; // raw mode: TCP is up
    int streams_opened_ = 0;     // raw mode: server stream headers seen
    bool connected_ = false;
    bool secured_ = false;
    bool disconnected_ = false;
    bool debug_ = false;
    std::string connection_error_;
    std::string mechanism_;
    std::string bound_jid_;
    std::string stream_error_;
    std::string sasl_failure_;
    std::string trace_;
};

// Predicates for wait_for, composable with lambdas.
namespace xmpp_match {
// A stanza (message, presence, iq...) of that element name from that address (compared
// as written: use the form the server stamps, full JID or bare).
XmppClient::Predicate named(std::string_view name);
XmppClient::Predicate from(std::string_view name, std::string_view from_jid);
// A message whose <body/> is exactly `body`.
XmppClient::Predicate message_with_body(std::string_view body);
// An iq with that id.
XmppClient::Predicate iq_with_id(std::string_view id);
} // namespace xmpp_match

// The stanza error condition of an error reply ("service-unavailable"), "" when none.
std::string error_condition(const Stanza& stanza);

} // namespace cadenza::test
