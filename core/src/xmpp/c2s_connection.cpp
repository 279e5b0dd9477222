#include "xmpp/c2s_connection.hpp"

#include "accounts/account_store.hpp"
#include "auth/scram.hpp"
#include "server/server_context.hpp"
#include "xmpp/c2s_server.hpp"
#include "xmpp/presence_service.hpp"
#include "xmpp/stanza_router.hpp"
#include "xmpp/stanza_util.hpp"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

namespace cadenza::xmpp {
namespace {

const Logger kLog("c2s");

constexpr std::string_view kTlsNs = "urn:ietf:params:xml:ns:xmpp-tls";
constexpr std::string_view kSaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";
constexpr std::string_view kBindNs = "urn:ietf:params:xml:ns:xmpp-bind";
constexpr std::string_view kSessionNs = "urn:ietf:params:xml:ns:xmpp-session";
constexpr std::string_view kRegisterNs = "jabber:iq:register";
constexpr std::size_t kReadSlice = 16 * 1024;

std::string random_hex(std::size_t bytes) {
    std::string raw(bytes, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(raw.size()));
    static const char* kDigits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : raw) {
        out.push_back(kDigits[c >> 4]);
        out.push_back(kDigits[c & 15]);
    }
    return out;
}

// Text that goes into our own raw XML (header attributes, error text): escaped.
std::string escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '\'': out += "&apos;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

std::string address_only(const std::string& remote) {
    auto colon = remote.rfind(':');
    return colon == std::string::npos ? remote : remote.substr(0, colon);
}

} // namespace

C2sConnection::C2sConnection(C2sContext& context, evutil_socket_t fd, std::string remote,
                             bool direct_tls)
    : context_(context), remote_(std::move(remote)),
      parser_(xml::StreamParser::Callbacks{
                  [this](const xml::StreamHeader& h) { on_stream_open(h); },
                  [this](Stanza s) { on_stanza(std::move(s)); },
                  [this] { on_stream_close(); },
                  [this](std::string_view condition, std::string_view text) {
                      close_with_error(condition, text);
                  }},
              xml::StreamLimits{context.settings.stanza_size_limit}) {
    struct event_base* base = context_.server.base;
    if (direct_tls && context_.tls != nullptr) {
        bev_ = bufferevent_openssl_socket_new(base, fd, SSL_new(context_.tls),
                                              BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
        tls_ = true;
    } else {
        bev_ = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    socket_bev_ = bev_;
    apply_read_limit();
    bufferevent_setcb(bev_, read_cb, nullptr, event_cb, this);
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
    timer_ = evtimer_new(
        base, [](evutil_socket_t, short, void* self) { static_cast<C2sConnection*>(self)->on_timer(); },
        this);
    timeval timeout{context_.settings.timeout_seconds, 0};
    evtimer_add(timer_, &timeout);
    kLog.debug("connection from ", remote_, direct_tls ? " (direct TLS)" : "");
}

C2sConnection::~C2sConnection() {
    if (timer_ != nullptr) {
        event_free(timer_);
    }
    if (bev_ != nullptr) {
        bufferevent_free(bev_);
    }
}

void C2sConnection::on_timer() {
    if (state_ == State::kClosing) {
        drain_tick();
    } else if (!delayed_failure_.empty()) {
        std::string condition = std::move(delayed_failure_);
        delayed_failure_.clear();
        send_sasl_failure(condition);
        bufferevent_enable(bev_, EV_READ);
        on_read(); // anything that arrived meanwhile
    } else if (!authenticated_) {
        close_with_error("connection-timeout", "authenticate sooner");
    }
}

void C2sConnection::read_cb(struct bufferevent*, void* self) {
    auto* c = static_cast<C2sConnection*>(self);
    c->note_throttling();
    c->on_read();
}

// The bucket of `limits` (c2s_unauthed, then c2s) on the socket, starting full as Prosody's
// does (libevent's starts with one tick's worth).
void C2sConnection::apply_read_limit() {
    const C2sServer::ReadBucket& bucket = context_.owner->read_bucket(authenticated_);
    if (bucket.config == nullptr) {
        bufferevent_set_rate_limit(socket_bev_, nullptr);
        return;
    }
    bufferevent_set_rate_limit(socket_bev_, bucket.config);
    auto burst = static_cast<ev_ssize_t>(bucket.burst_bytes);
    ev_ssize_t level = bufferevent_get_read_limit(socket_bev_);
    if (level < burst) {
        bufferevent_decrement_read_limit(socket_bev_, level - burst);
    }
    throttle_noted_ = false;
}

// Said once per connection (and once more after authentication changes the rate): a flood of
// throttled reads must not become a flood of log lines.
void C2sConnection::note_throttling() {
    if (throttle_noted_ || bufferevent_get_read_limit(socket_bev_) > 0) {
        return;
    }
    const C2sServer::ReadBucket& bucket = context_.owner->read_bucket(authenticated_);
    if (bucket.config == nullptr) {
        return;
    }
    throttle_noted_ = true;
    kLog.info("reading from ", remote_, " slowed to ", bucket.bytes_per_second, " B/s (limits.",
              authenticated_ ? "c2s" : "c2s_unauthed", ")");
}

void C2sConnection::write_cb(struct bufferevent*, void* self) {
    auto* c = static_cast<C2sConnection*>(self);
    if (c->state_ == State::kClosing) {
        c->output_flushed();
    }
}

// Everything we wrote left our output buffer. Over TLS it now sits encrypted in the socket's
// buffer below the filter: say close_notify after it and wait for that to drain too, or the
// client would never see its stream error.
void C2sConnection::output_flushed() {
    if (!tls_) {
        state_ = State::kClosed;
        context_.owner->discard(this);
        return;
    }
    if (SSL* ssl = bufferevent_openssl_get_ssl(bev_)) {
        SSL_shutdown(ssl);
    }
    drain_deadline_ = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    drain_tick();
}

void C2sConnection::drain_tick() {
    struct bufferevent* socket = bufferevent_get_underlying(bev_);
    bool drained = socket == nullptr ||
                   evbuffer_get_length(bufferevent_get_output(socket)) == 0;
    if (drained || std::chrono::steady_clock::now() >= drain_deadline_) {
        state_ = State::kClosed;
        context_.owner->discard(this);
        return;
    }
    timeval poll{0, 20 * 1000};
    evtimer_add(timer_, &poll);
}

void C2sConnection::event_cb(struct bufferevent*, short what, void* self) {
    auto* c = static_cast<C2sConnection*>(self);
    if ((what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) == 0) {
        return;
    }
    if (c->state_ != State::kClosing) {
        kLog.debug(c->remote_, (what & BEV_EVENT_EOF) ? " closed the connection"
                                                      : " connection failed");
        c->release();
    }
    c->state_ = State::kClosed;
    c->context_.owner->discard(c);
}

void C2sConnection::on_read() {
    struct evbuffer* input = bufferevent_get_input(bev_);
    while (state_ != State::kClosing && state_ != State::kClosed && delayed_failure_.empty()) {
        std::size_t length = evbuffer_get_length(input);
        if (length == 0) {
            return;
        }
        std::size_t n = std::min(length, kReadSlice);
        const char* data = reinterpret_cast<const char*>(evbuffer_pullup(input, static_cast<ev_ssize_t>(n)));
        try {
            parser_.feed(std::string_view(data, n));
        } catch (const std::exception& e) {
            kLog.error("error handling input from ", remote_, ": ", e.what());
            close_with_error("internal-server-error", {});
            return;
        }
        evbuffer_drain(input, n);
        if (tls_pending_) {
            // Anything sent after <starttls/> in the clear is discarded (RFC 6120 §5.4.3.3).
            evbuffer_drain(input, evbuffer_get_length(input));
            start_tls();
            return;
        }
    }
}

void C2sConnection::write(std::string_view bytes) {
    if (state_ == State::kClosed) {
        return;
    }
    bufferevent_write(bev_, bytes.data(), bytes.size());
    if (state_ != State::kClosing &&
        evbuffer_get_length(bufferevent_get_output(bev_)) > context_.settings.max_send_buffer) {
        kLog.info(remote_, " does not read what it is sent; closing");
        close_with_error("policy-violation", "too much unread data");
    }
}

void C2sConnection::send(Stanza stanza) {
    if (state_ == State::kClosing || state_ == State::kClosed) {
        return;
    }
    write(stanza.serialize());
}

void C2sConnection::send_stream_header() {
    stream_id_ = random_hex(12);
    std::string header = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                         "xmlns:stream='http://etherx.jabber.org/streams' id='" +
                         stream_id_ + "' version='1.0' xml:lang='en'";
    if (!host_.empty()) {
        header += " from='" + escape(host_) + "'";
    }
    header += ">";
    write(header);
    header_sent_ = true;
}

void C2sConnection::send_features() {
    const C2sSettings& s = context_.settings;
    std::string f = "<stream:features>";
    if (!authenticated_) {
        if (!tls_ && context_.tls != nullptr) {
            f += "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'>";
            f += s.require_encryption ? "<required/>" : "";
            f += "</starttls>";
        }
        if (tls_ || !s.require_encryption) {
            f += "<mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>";
            for (const auto& m : auth::SaslServer::mechanisms(tls_, s.allow_unencrypted_plain)) {
                f += "<mechanism>" + m + "</mechanism>";
            }
            f += "</mechanisms>";
            if (s.allow_registration) {
                f += "<register xmlns='http://jabber.org/features/iq-register'/>";
            }
        }
    } else {
        f += "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
             "<session xmlns='urn:ietf:params:xml:ns:xmpp-session'><optional/></session>"
             "<ver xmlns='urn:xmpp:features:rosterver'/>";
    }
    f += "</stream:features>";
    write(f);
}

void C2sConnection::on_stream_open(const xml::StreamHeader& header) {
    if (header.default_ns != xmlns::kClient) {
        close_with_error("invalid-namespace", "this port serves jabber:client");
        return;
    }
    auto domain = prepare_domain(header.to);
    Host* host = domain ? context_.server.find_host(*domain) : nullptr;
    if (host == nullptr || host->kind != config::SectionKind::kVirtualHost) {
        close_with_error("host-unknown", {});
        return;
    }
    if (!host_.empty() && host_ != host->name) {
        close_with_error("host-unknown", "the host cannot change on a stream restart");
        return;
    }
    host_ = host->name;
    if (header.version.empty() || header.version[0] < '1') {
        close_with_error("unsupported-version", "XMPP 1.0 is required");
        return;
    }
    send_stream_header();
    send_features();
    state_ = State::kNegotiating;
}

void C2sConnection::on_stream_close() {
    write("</stream:stream>");
    finish();
}

void C2sConnection::on_stanza(Stanza stanza) {
    if (state_ == State::kSession) {
        handle_session_stanza(std::move(stanza));
        return;
    }
    if (state_ != State::kNegotiating) {
        return;
    }
    handle_negotiation(stanza);
}

void C2sConnection::handle_negotiation(Stanza& stanza) {
    std::string_view ns = stanza.ns();
    std::string_view name = stanza.name();
    if (ns == kTlsNs && name == "starttls") {
        if (tls_ || context_.tls == nullptr || authenticated_) {
            write("<failure xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:stream>");
            finish();
            return;
        }
        write("<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
        tls_pending_ = true;
        restart_stream();
        return;
    }
    if (ns == kSaslNs && !authenticated_) {
        handle_auth(stanza);
        return;
    }
    if (ns == xmlns::kClient && name == "iq") {
        if (!authenticated_ && stanza.child("query", kRegisterNs) &&
            context_.settings.allow_registration &&
            (tls_ || !context_.settings.require_encryption)) {
            handle_registration(stanza);
            return;
        }
        if (authenticated_ && stanza.child("bind", kBindNs)) {
            handle_bind(stanza);
            return;
        }
    }
    close_with_error("not-authorized", authenticated_ ? "bind a resource first"
                                                      : "authenticate first");
}

void C2sConnection::handle_auth(Stanza& stanza) {
    std::string_view name = stanza.name();
    if (context_.settings.require_encryption && !tls_) {
        send_sasl_failure("encryption-required");
        return;
    }
    if (name == "abort") {
        if (sasl_) {
            handle_sasl_step(sasl_->abort());
        } else {
            send_sasl_failure("aborted");
        }
        return;
    }
    std::string text = stanza.text();
    std::optional<std::string> decoded;
    if (text == "=" || text.empty()) {
        decoded = std::string();
    } else {
        decoded = auth::base64_decode(text);
    }
    if (!decoded) {
        sasl_.reset();
        send_sasl_failure("incorrect-encoding");
        return;
    }
    if (name == "auth") {
        auth::SaslOptions options;
        options.tls = tls_;
        options.allow_unencrypted_plain = context_.settings.allow_unencrypted_plain;
        options.decoy_secret = context_.decoy_secret;
        options.decoy_iterations = context_.accounts.iterations();
        sasl_ = std::make_unique<auth::SaslServer>(
            stanza.attr("mechanism"), host_, context_.accounts.credential_lookup(host_), options);
        handle_sasl_step(sasl_->step(*decoded));
    } else if (name == "response" && sasl_) {
        handle_sasl_step(sasl_->step(*decoded));
    } else {
        send_sasl_failure("malformed-request");
    }
}

void C2sConnection::handle_sasl_step(const auth::SaslStep& step) {
    switch (step.status) {
    case auth::SaslStatus::kContinue:
        write("<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
              (step.server_message.empty() ? std::string("=")
                                           : auth::base64_encode(step.server_message)) +
              "</challenge>");
        return;
    case auth::SaslStatus::kSuccess: {
        authenticated_ = true;
        username_ = step.username;
        context_.throttle.success(address_only(remote_));
        evtimer_del(timer_);
        apply_read_limit();
        std::string mechanism = sasl_->mechanism();
        sasl_.reset();
        write("<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
              (step.server_message.empty() ? std::string()
                                           : auth::base64_encode(step.server_message)) +
              "</success>");
        kLog.info(username_, "@", host_, " authenticated with ", mechanism, " from ", remote_,
                  tls_ ? " over TLS" : "");
        restart_stream(); // the client restarts the stream (RFC 6120 §6.4.6)
        return;
    }
    case auth::SaslStatus::kFailure: {
        std::string mechanism = sasl_ ? sasl_->mechanism() : "";
        sasl_.reset();
        kLog.info("authentication failed from ", remote_, " (", mechanism, "): ",
                  auth::sasl_condition_name(step.condition));
        auto delay = context_.throttle.failure(address_only(remote_),
                                               AuthThrottle::Clock::now());
        std::string condition(auth::sasl_condition_name(step.condition));
        if (delay.count() == 0) {
            send_sasl_failure(condition);
            return;
        }
        // Answer later and read nothing meanwhile: guessing gets slow.
        delayed_failure_ = condition;
        bufferevent_disable(bev_, EV_READ);
        timeval tv{static_cast<time_t>(delay.count() / 1000),
                   static_cast<suseconds_t>((delay.count() % 1000) * 1000)};
        evtimer_add(timer_, &tv);
        return;
    }
    }
}

void C2sConnection::send_sasl_failure(std::string_view condition) {
    write("<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><" + std::string(condition) +
          "/></failure>");
}

void C2sConnection::handle_bind(Stanza& stanza) {
    if (stanza.attr("type") != "set") {
        send(make_error_reply(stanza, "modify", stanza_error::kBadRequest));
        return;
    }
    std::string resource = stanza.child("bind", kBindNs).child_text("resource", kBindNs);
    if (resource.empty()) {
        resource = "cadenza-" + random_hex(6);
    }
    auto full = Jid::from_parts(username_, host_, resource);
    if (!full) {
        send(make_error_reply(stanza, "modify", stanza_error::kBadRequest, "invalid resource"));
        return;
    }
    jid_ = *full;
    bound_ = true;
    state_ = State::kSession;
    if (ClientSession* replaced = context_.sessions.add(*this)) {
        replaced->close_with_error("conflict", "replaced by a new connection");
    }
    Stanza reply = make_iq_result(stanza);
    reply.add_child("bind", kBindNs).add_child("jid", kBindNs).set_text(jid_->str());
    send(std::move(reply));
    kLog.info(jid_->str(), " bound from ", remote_);
}

void C2sConnection::handle_registration(Stanza& stanza) {
    std::string_view type = stanza.attr("type");
    Element query = stanza.child("query", kRegisterNs);
    if (type == "get") {
        Stanza reply = make_iq_result(stanza);
        Element q = reply.add_child("query", kRegisterNs);
        q.add_child("instructions", kRegisterNs)
            .set_text("Choose a username and password to register on " + host_ + ".");
        q.add_child("username", kRegisterNs);
        q.add_child("password", kRegisterNs);
        send(std::move(reply));
        return;
    }
    if (type != "set") {
        return;
    }
    std::string username = query.child_text("username", kRegisterNs);
    std::string password = query.child_text("password", kRegisterNs);
    if (username.empty() || password.empty()) {
        send(make_error_reply(stanza, "modify", stanza_error::kBadRequest));
        return;
    }
    accounts::AccountStatus status = context_.accounts.create(host_, username, password);
    switch (status) {
    case accounts::AccountStatus::kOk:
        kLog.info("registered ", username, "@", host_, " from ", remote_);
        send(make_iq_result(stanza));
        return;
    case accounts::AccountStatus::kExists:
        send(make_error_reply(stanza, "cancel", stanza_error::kConflict));
        return;
    default:
        send(make_error_reply(stanza, "modify", stanza_error::kNotAcceptable,
                              accounts::account_status_text(status)));
        return;
    }
}

void C2sConnection::handle_session_stanza(Stanza stanza) {
    std::string_view name = stanza.name();
    if (stanza.ns() != xmlns::kClient || (name != "message" && name != "presence" && name != "iq")) {
        close_with_error("unsupported-stanza-type", {});
        return;
    }
    // The client may state its own address; anything else is a lie (RFC 6120 §8.1.2.1).
    std::string_view from = stanza.attr("from");
    if (!from.empty() && from != jid_->str() && from != jid_->bare().str()) {
        close_with_error("invalid-from", {});
        return;
    }
    stanza.set_attr("from", jid_->str());
    if (name == "iq") {
        std::string_view type = stanza.attr("type");
        if (type == "get" || type == "set") {
            if (stanza.children().size() != 1) {
                context_.router.bounce(stanza, "modify", stanza_error::kBadRequest,
                                       "an iq get or set carries exactly one payload");
                return;
            }
            // Legacy session establishment (RFC 3921): nothing to do but say yes.
            if (type == "set" && stanza.child("session", kSessionNs) && stanza.attr("to").empty()) {
                send(make_iq_result(stanza));
                return;
            }
        }
    }
    if (name == "presence") {
        context_.presence.outbound(*this, std::move(stanza));
        return;
    }
    context_.router.route(std::move(stanza), *this);
}

// After a restart the client expects a fresh stream header before anything else, a stream
// error included: without it the client cannot even parse the error.
void C2sConnection::restart_stream() {
    parser_.reset();
    header_sent_ = false;
}

void C2sConnection::set_presence(Stanza presence, int priority) {
    presence_ = std::make_unique<Stanza>(std::move(presence));
    priority_ = priority;
}

void C2sConnection::clear_presence() {
    presence_.reset();
    priority_ = 0;
}

void C2sConnection::close_with_error(std::string_view condition, std::string_view text) {
    if (state_ == State::kClosing || state_ == State::kClosed) {
        return;
    }
    if (!header_sent_) {
        send_stream_header();
    }
    std::string error = "<stream:error><" + std::string(condition) +
                        " xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>";
    if (!text.empty()) {
        error += "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>" + escape(text) + "</text>";
    }
    error += "</stream:error></stream:stream>";
    kLog.debug("stream error ", condition, " to ", remote_, text.empty() ? "" : ": ", text);
    write(error);
    finish();
}

void C2sConnection::finish() {
    if (state_ == State::kClosing || state_ == State::kClosed) {
        return;
    }
    release();
    parser_.stop();
    delayed_failure_.clear();
    evtimer_del(timer_);
    if (tls_) {
        SSL* ssl = bufferevent_openssl_get_ssl(bev_);
        if (ssl != nullptr && SSL_is_init_finished(ssl) == 0) {
            // The handshake never completed: nothing queued can reach the peer, and the drain
            // timeout below would never run while the handshake waits for it. Close now.
            state_ = State::kClosed;
            bufferevent_disable(bev_, EV_READ | EV_WRITE);
            bufferevent_setcb(bev_, nullptr, nullptr, nullptr, nullptr);
            context_.owner->discard(this);
            return;
        }
    }
    state_ = State::kClosing;
    bufferevent_disable(bev_, EV_READ);
    bufferevent_setcb(bev_, nullptr, write_cb, event_cb, this);
    // A peer that never reads must not keep us: give the output a few seconds.
    timeval drain{5, 0};
    bufferevent_set_timeouts(bev_, nullptr, &drain);
    if (evbuffer_get_length(bufferevent_get_output(bev_)) == 0) {
        output_flushed();
    }
}

void C2sConnection::release() {
    if (!bound_) {
        return;
    }
    bound_ = false;
    // Out of the registry first: the unavailable broadcast must not come back to us.
    context_.sessions.remove(*this);
    context_.presence.session_closed(*this);
    kLog.info(jid_->str(), " disconnected");
}

void C2sConnection::start_tls() {
    tls_pending_ = false;
    SSL* ssl = SSL_new(context_.tls);
    struct bufferevent* tls = bufferevent_openssl_filter_new(
        context_.server.base, bev_, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
    if (tls == nullptr) {
        kLog.error("cannot start TLS for ", remote_);
        state_ = State::kClosed;
        context_.owner->discard(this);
        return;
    }
    // The <proceed/> already queued on the plain socket goes out before the handshake.
    bev_ = tls;
    tls_ = true;
    bufferevent_setcb(bev_, read_cb, nullptr, event_cb, this);
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
}

} // namespace cadenza::xmpp
