// One client connection (RFC 6120): the stream, STARTTLS, SASL, resource binding, then the
// session's stanzas handed to the router and the presence logic.
//
// Owned by C2sServer. A connection never deletes itself: close() stops it and asks the
// server to free it after the current callback returns.
#pragma once

#include "auth/sasl_server.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/c2s_context.hpp"
#include "xmpp/client_session.hpp"

#include <event2/util.h>

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

struct bufferevent;
struct event;

namespace cadenza::xmpp {

class C2sConnection final : public ClientSession {
public:
    // Takes the accepted socket. `direct_tls`: XEP-0368, TLS from the first byte.
    C2sConnection(C2sContext& context, evutil_socket_t fd, std::string remote, bool direct_tls);
    ~C2sConnection() override;
    C2sConnection(const C2sConnection&) = delete;
    C2sConnection& operator=(const C2sConnection&) = delete;

    // Origin / ClientSession
    const std::optional<Jid>& jid() const override { return jid_; }
    void send(Stanza stanza) override;
    const Jid& full_jid() const override { return *jid_; }
    bool available() const override { return presence_ != nullptr; }
    int priority() const override { return priority_; }
    const Stanza* presence() const override { return presence_.get(); }
    void set_presence(Stanza presence, int priority) override;
    void clear_presence() override;
    void close_with_error(std::string_view condition, std::string_view text) override;
    std::set<std::string>& directed_presence() override { return directed_; }

    // The server is stopping: system-shutdown.
    void shut_down() { close_with_error("system-shutdown", {}); }
    bool closed() const { return state_ == State::kClosed; }
    const std::string& remote() const { return remote_; }

private:
    enum class State { kOpening, kNegotiating, kSession, kClosing, kClosed };

    static void read_cb(struct bufferevent* bev, void* self);
    static void write_cb(struct bufferevent* bev, void* self);
    static void event_cb(struct bufferevent* bev, short what, void* self);
    void on_read();
    void on_stream_open(const xml::StreamHeader& header);
    void on_stanza(Stanza stanza);
    void on_stream_close();

    void write(std::string_view bytes);
    void send_stream_header();
    void send_features();
    void start_tls();
    void handle_negotiation(Stanza& stanza);
    void handle_auth(Stanza& stanza);
    void handle_sasl_step(const auth::SaslStep& step);
    void send_sasl_failure(std::string_view condition);
    void handle_bind(Stanza& stanza);
    void handle_registration(Stanza& stanza);
    void handle_session_stanza(Stanza stanza);
    void on_timer();
    void restart_stream();
    void finish(); // close the socket once the output is written
    void output_flushed();
    void drain_tick();
    void release(); // leave the registry and ask the server to free us
    void apply_read_limit();
    void note_throttling();

    C2sContext& context_;
    struct bufferevent* bev_ = nullptr;
    struct bufferevent* socket_bev_ = nullptr; // below the STARTTLS filter: where reads are limited
    bool throttle_noted_ = false;
    struct event* timer_ = nullptr; // authentication deadline, then the delayed SASL failure
    std::string remote_;
    State state_ = State::kOpening;
    bool tls_ = false;
    bool tls_pending_ = false;
    bool header_sent_ = false;
    bool authenticated_ = false;
    std::string host_;     // the VirtualHost the stream is for
    std::string stream_id_;
    std::string username_;
    std::unique_ptr<auth::SaslServer> sasl_;
    std::string delayed_failure_; // a SASL failure waiting out the throttle
    std::chrono::steady_clock::time_point drain_deadline_;
    std::optional<Jid> jid_;
    bool bound_ = false;
    std::unique_ptr<Stanza> presence_;
    std::set<std::string> directed_;
    int priority_ = 0;
    xml::StreamParser parser_;
};

} // namespace cadenza::xmpp
