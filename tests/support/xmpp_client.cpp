#include "xmpp_client.hpp"

#include "sasl_client.hpp"

#include <strophe.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <mutex>

namespace cadenza::test {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::string_view kSaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";
constexpr std::string_view kTlsNs = "urn:ietf:params:xml:ns:xmpp-tls";
constexpr std::string_view kBindNs = "urn:ietf:params:xml:ns:xmpp-bind";
constexpr std::string_view kSessionNs = "urn:ietf:params:xml:ns:xmpp-session";
// Enough for every test's conversation; beyond it the trace stops growing.
constexpr std::size_t kTraceLimit = 4 * 1024 * 1024;

std::chrono::milliseconds left_until(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() < 0 ? std::chrono::milliseconds(0) : left;
}

std::string xml_escape(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '&':
            out += "&amp;";
            break;
        case '\'':
            out += "&apos;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

// The name of the first child in `ns` other than <text/>: the condition of a stream error or
// a SASL failure.
std::string condition_in(const Stanza& stanza, std::string_view ns) {
    for (Element child : stanza.children()) {
        if (child.ns() == ns && child.name() != "text") {
            return std::string(child.name());
        }
    }
    return {};
}

std::string to_text(xmpp_stanza_t* stanza) {
    char* buffer = nullptr;
    std::size_t length = 0;
    if (xmpp_stanza_to_text(stanza, &buffer, &length) != XMPP_EOK || buffer == nullptr) {
        return {};
    }
    std::string out(buffer, length);
    xmpp_free(xmpp_stanza_get_context(stanza), buffer);
    return out;
}

} // namespace

// libstrophe's C callbacks; exceptions must not cross them.
struct XmppCallbacks {
    static int stanza(xmpp_conn_t*, xmpp_stanza_t* stanza, void* userdata) {
        auto* self = static_cast<XmppClient*>(userdata);
        try {
            std::string xml = to_text(stanza);
            std::string error;
            Stanza parsed = Stanza::parse(xml, &error);
            if (!parsed) {
                self->log_line("test client: cannot parse received stanza (" + error + "): " + xml);
            } else if (parsed.name() == "error" && parsed.ns() == xmlns::kStreams) {
                self->stream_error_ = condition_in(parsed, xmlns::kStreamErrors);
            }
            self->received_.push_back({std::move(xml), std::move(parsed), false});
        } catch (const std::exception& e) {
            self->log_line(std::string("test client: ") + e.what());
        }
        return 1; // keep the handler
    }

    static void connection(xmpp_conn_t*, xmpp_conn_event_t event, int error,
                           xmpp_stream_error_t* stream_error, void* userdata) {
        auto* self = static_cast<XmppClient*>(userdata);
        try {
            switch (event) {
            case XMPP_CONN_RAW_CONNECT:
                self->raw_connected_ = true;
                break;
            case XMPP_CONN_CONNECT:
                // Raw mode reports each stream the server opens; the full client, the login.
                if (self->options_.mechanism.empty()) {
                    self->connected_ = true;
                } else {
                    ++self->streams_opened_;
                }
                break;
            case XMPP_CONN_DISCONNECT:
            case XMPP_CONN_FAIL:
                self->disconnected_ = true;
                if (error != 0 && self->connection_error_.empty()) {
                    self->connection_error_ = std::string("socket error: ") + std::strerror(error);
                }
                if (stream_error != nullptr && stream_error->stanza != nullptr) {
                    Stanza parsed = Stanza::parse(to_text(stream_error->stanza));
                    std::string condition = condition_in(parsed, xmlns::kStreamErrors);
                    if (!condition.empty()) {
                        self->stream_error_ = condition;
                    }
                }
                break;
            }
        } catch (const std::exception& e) {
            self->log_line(std::string("test client: ") + e.what());
        }
    }

    static void log(void* userdata, xmpp_log_level_t level, const char* area, const char* message) {
        auto* self = static_cast<XmppClient*>(userdata);
        try {
            static const char* const kLevels[] = {"debug", "info", "warn", "error"};
            std::string_view text(message);
            self->log_line(std::string(kLevels[level]) + " " + area + ": " + message);
            // The full client hides SASL from stanza handlers; its log shows the outcome.
            if (text.starts_with("RECV: ") && text.find("<failure") != std::string_view::npos) {
                Stanza failure = Stanza::parse(text.substr(6));
                if (failure && failure.ns() == kSaslNs) {
                    self->sasl_failure_ = condition_in(failure, kSaslNs);
                }
            }
            constexpr std::string_view kSuccess = " auth successful";
            if (text.starts_with("SASL ") && text.ends_with(kSuccess)) {
                self->mechanism_ = std::string(text.substr(5, text.size() - 5 - kSuccess.size()));
            }
        } catch (const std::exception&) {
            // Nothing sensible to do inside the logger.
        }
    }
};

XmppClient::XmppClient(int port, std::string jid, std::string password, XmppClientOptions options)
    : port_(port), jid_(std::move(jid)), password_(std::move(password)),
      options_(std::move(options)), log_(std::make_unique<xmpp_log_t>()) {
    static std::once_flag initialized;
    std::call_once(initialized, [] { xmpp_initialize(); });
    debug_ = std::getenv("CADENZA_TEST_XMPP_DEBUG") != nullptr;
    log_->handler = &XmppCallbacks::log;
    log_->userdata = this;
    ctx_ = xmpp_ctx_new(nullptr, log_.get());
    conn_ = xmpp_conn_new(ctx_);
    std::string full = jid_;
    if (!options_.resource.empty()) {
        full += "/" + options_.resource;
    }
    xmpp_conn_set_jid(conn_, full.c_str());
    xmpp_conn_set_pass(conn_, password_.c_str());
}

XmppClient::~XmppClient() {
    if (!disconnected_ && (connected_ || raw_connected_)) {
        disconnect(2s);
    }
    xmpp_conn_release(conn_);
    xmpp_ctx_free(ctx_);
}

void XmppClient::log_line(std::string line) {
    if (debug_) {
        std::cerr << "[xmpp " << jid_ << "] " << line << "\n";
    }
    if (trace_.size() < kTraceLimit) {
        trace_ += line;
        trace_ += '\n';
    }
}

bool XmppClient::secured() const {
    return secured_;
}

std::string XmppClient::received_text() const {
    std::string out;
    for (const Received& r : received_) {
        out += r.xml;
        out += '\n';
    }
    return out;
}

void XmppClient::run_once(std::chrono::milliseconds max) {
    xmpp_run_once(ctx_, static_cast<unsigned long>(max.count()));
}

XmppConnectResult XmppClient::connect(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    XmppConnectResult result =
        options_.mechanism.empty() ? connect_with_libstrophe(deadline) : connect_raw(deadline);
    result.connected = result.error.empty() && connected_ && !disconnected_;
    if (!result.connected && result.error.empty()) {
        result.error = disconnected_ ? "the connection closed" : "not connected";
    }
    if (!connection_error_.empty()) {
        result.error += " (" + connection_error_ + ")";
    }
    result.stream_error = stream_error_;
    if (result.sasl_failure.empty()) {
        result.sasl_failure = sasl_failure_;
    }
    if (result.connected) {
        secured_ = xmpp_conn_is_secured(conn_) != 0;
        if (bound_jid_.empty() && xmpp_conn_get_bound_jid(conn_) != nullptr) {
            bound_jid_ = xmpp_conn_get_bound_jid(conn_);
        }
    }
    return result;
}

XmppConnectResult XmppClient::connect_with_libstrophe(Clock::time_point deadline) {
    XmppConnectResult result;
    long flags = XMPP_CONN_FLAG_DISABLE_SM;
    if (options_.tls == XmppClientOptions::Tls::kMandatory) {
        flags |= XMPP_CONN_FLAG_MANDATORY_TLS;
    } else if (options_.tls == XmppClientOptions::Tls::kDisabled) {
        flags |= XMPP_CONN_FLAG_DISABLE_TLS;
    }
    if (options_.trust_any_certificate && options_.tls != XmppClientOptions::Tls::kDisabled) {
        flags |= XMPP_CONN_FLAG_TRUST_TLS;
    }
    if (xmpp_conn_set_flags(conn_, flags) != XMPP_EOK) {
        result.error = "libstrophe refused the connection flags";
        return result;
    }
    if (!options_.ca_file.empty()) {
        xmpp_conn_set_cafile(conn_, options_.ca_file.c_str());
    }
    xmpp_handler_add(conn_, &XmppCallbacks::stanza, nullptr, nullptr, nullptr, this);
    if (xmpp_connect_client(conn_, "127.0.0.1", static_cast<unsigned short>(port_),
                            &XmppCallbacks::connection, this) != XMPP_EOK) {
        result.error = "xmpp_connect_client failed";
        return result;
    }
    while (!connected_ && !disconnected_ && Clock::now() < deadline) {
        run_once(std::min(left_until(deadline), std::chrono::milliseconds(20)));
    }
    if (!connected_ && !disconnected_) {
        result.error = "login timed out";
    } else if (!connected_) {
        result.error = "login failed";
    }
    return result;
}

XmppConnectResult XmppClient::connect_raw(Clock::time_point deadline) {
    XmppConnectResult result;
    long flags = XMPP_CONN_FLAG_DISABLE_SM;
    if (options_.trust_any_certificate) {
        flags |= XMPP_CONN_FLAG_TRUST_TLS;
    }
    xmpp_conn_set_flags(conn_, flags);
    if (!options_.ca_file.empty()) {
        xmpp_conn_set_cafile(conn_, options_.ca_file.c_str());
    }
    xmpp_handler_add(conn_, &XmppCallbacks::stanza, nullptr, nullptr, nullptr, this);
    if (xmpp_connect_raw(conn_, "127.0.0.1", static_cast<unsigned short>(port_),
                         &XmppCallbacks::connection, this) != XMPP_EOK) {
        result.error = "xmpp_connect_raw failed";
        return result;
    }
    while (!raw_connected_ && !disconnected_ && Clock::now() < deadline) {
        run_once(std::min(left_until(deadline), std::chrono::milliseconds(20)));
    }
    if (!raw_connected_) {
        result.error = "TCP connection failed";
        return result;
    }

    Stanza features;
    result.error = open_stream(deadline, features);
    if (!result.error.empty()) {
        return result;
    }
    if (options_.tls != XmppClientOptions::Tls::kDisabled) {
        if (features.child("starttls", kTlsNs)) {
            send_now("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>", deadline);
            Stanza answer = wait_until([](const Stanza& s) { return s.ns() == kTlsNs; }, deadline);
            if (answer.name() != "proceed") {
                result.error = "STARTTLS refused: " + answer.serialize();
                return result;
            }
            if (xmpp_conn_tls_start(conn_) != XMPP_EOK) {
                result.error = "TLS handshake failed";
                return result;
            }
            result.error = open_stream(deadline, features);
            if (!result.error.empty()) {
                return result;
            }
        } else if (options_.tls == XmppClientOptions::Tls::kMandatory) {
            result.error = "the server offers no STARTTLS: " + features.serialize();
            return result;
        }
    }
    result.error = authenticate(deadline, result);
    if (!result.error.empty()) {
        return result;
    }
    result.error = open_stream(deadline, features);
    if (!result.error.empty()) {
        return result;
    }
    result.error = bind(deadline, features);
    if (result.error.empty()) {
        connected_ = true;
    }
    return result;
}

std::string XmppClient::open_stream(Clock::time_point deadline, Stanza& features) {
    int before = streams_opened_;
    if (xmpp_conn_open_stream_default(conn_) != XMPP_EOK) {
        return "cannot open the stream";
    }
    while (streams_opened_ == before && !disconnected_ && Clock::now() < deadline) {
        run_once(std::min(left_until(deadline), std::chrono::milliseconds(20)));
    }
    if (streams_opened_ == before) {
        return "the server did not open its stream";
    }
    features = wait_until(
        [](const Stanza& s) { return s.name() == "features" && s.ns() == xmlns::kStreams; },
        deadline);
    if (!features) {
        return "no stream features";
    }
    return {};
}

std::string XmppClient::authenticate(Clock::time_point deadline, XmppConnectResult& result) {
    std::string node = jid_.substr(0, jid_.find('@'));
    SaslClient sasl(options_.mechanism, node, password_);
    std::string initial = sasl.initial_response();
    send_now("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='" + options_.mechanism +
                 "'>" + (initial.empty() ? "=" : base64_encode(initial)) + "</auth>",
             deadline);
    for (;;) {
        Stanza answer = wait_until([](const Stanza& s) { return s.ns() == kSaslNs; }, deadline);
        if (!answer) {
            return "no answer to SASL " + options_.mechanism;
        }
        std::string text = answer.text();
        auto data = base64_decode(text == "=" ? "" : text);
        result.sasl_challenges = sasl.challenges();
        if (answer.name() == "failure") {
            result.sasl_failure = condition_in(answer, kSaslNs);
            return "SASL " + options_.mechanism + " failed after " +
                   std::to_string(sasl.challenges()) + " challenge(s): " + answer.serialize();
        }
        if (!data) {
            return "SASL data is not base64: " + answer.serialize();
        }
        if (answer.name() == "success") {
            if (!sasl.verify_success(*data)) {
                return "the server's SASL success does not verify: " + sasl.error();
            }
            mechanism_ = options_.mechanism;
            return {};
        }
        if (answer.name() != "challenge") {
            return "unexpected SASL element: " + answer.serialize();
        }
        auto response = sasl.respond(*data);
        if (!response) {
            send_now("<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>", deadline);
            return "bad SASL challenge: " + sasl.error();
        }
        send_now(response->empty()
                     ? std::string("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>")
                     : "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
                           base64_encode(*response) + "</response>",
                 deadline);
    }
}

std::string XmppClient::bind(Clock::time_point deadline, const Stanza& features) {
    if (!features.child("bind", kBindNs)) {
        return "no resource binding offered: " + features.serialize();
    }
    std::string request =
        "<iq type='set' id='bind_1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>";
    if (!options_.resource.empty()) {
        request += "<resource>" + xml_escape(options_.resource) + "</resource>";
    }
    request += "</bind></iq>";
    send_now(request, deadline);
    Stanza answer = wait_until(xmpp_match::iq_with_id("bind_1"), deadline);
    if (answer.attr("type") != "result") {
        return "resource binding failed: " + answer.serialize();
    }
    bound_jid_ = answer.child("bind", kBindNs).child_text("jid", kBindNs);
    Element session = features.child("session", kSessionNs);
    if (session && !session.child("optional", kSessionNs)) {
        send_now("<iq type='set' id='session_1'><session "
                 "xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>",
                 deadline);
        answer = wait_until(xmpp_match::iq_with_id("session_1"), deadline);
        if (answer.attr("type") != "result") {
            return "session establishment failed: " + answer.serialize();
        }
    }
    return {};
}

void XmppClient::send_now(std::string_view xml, Clock::time_point deadline) {
    if (disconnected_) {
        return;
    }
    xmpp_send_raw(conn_, xml.data(), xml.size());
    // libstrophe only queues; write it now so that the server sees it while this client is
    // not being driven.
    while (xmpp_conn_send_queue_len(conn_) > 0 && !disconnected_ && Clock::now() < deadline) {
        run_once(std::chrono::milliseconds(1));
    }
}

void XmppClient::send(std::string_view xml, std::chrono::milliseconds timeout) {
    send_now(xml, Clock::now() + timeout);
}

Stanza XmppClient::wait_until(const Predicate& predicate, Clock::time_point deadline) {
    std::size_t checked = 0;
    for (;;) {
        for (; checked < received_.size(); ++checked) {
            Received& r = received_[checked];
            if (!r.taken && r.stanza && predicate(r.stanza)) {
                r.taken = true;
                return r.stanza.clone();
            }
        }
        if (disconnected_ || Clock::now() >= deadline) {
            return Stanza();
        }
        run_once(std::min(left_until(deadline), std::chrono::milliseconds(20)));
    }
}

Stanza XmppClient::wait_for(const Predicate& predicate, std::chrono::milliseconds timeout) {
    return wait_until(predicate, Clock::now() + timeout);
}

Stanza XmppClient::request(std::string_view iq_xml, std::chrono::milliseconds timeout) {
    Stanza iq = Stanza::parse(iq_xml);
    std::string id(iq.attr("id"));
    if (id.empty()) {
        log_line("test client: request() needs an iq with an id: " + std::string(iq_xml));
        return Stanza();
    }
    auto deadline = Clock::now() + timeout;
    send_now(iq_xml, deadline);
    return wait_until(
        [&id](const Stanza& s) {
            return s.name() == "iq" && s.attr("id") == id &&
                   (s.attr("type") == "result" || s.attr("type") == "error");
        },
        deadline);
}

void XmppClient::pump(std::chrono::milliseconds duration) {
    auto deadline = Clock::now() + duration;
    while (!disconnected_ && Clock::now() < deadline) {
        run_once(std::min(left_until(deadline), std::chrono::milliseconds(20)));
    }
}

void XmppClient::disconnect(std::chrono::milliseconds timeout) {
    if (disconnected_) {
        return;
    }
    xmpp_disconnect(conn_);
    wait_disconnected(timeout);
}

bool XmppClient::wait_disconnected(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!disconnected_ && Clock::now() < deadline) {
        run_once(std::min(left_until(deadline), std::chrono::milliseconds(20)));
    }
    return disconnected_;
}

namespace xmpp_match {

XmppClient::Predicate named(std::string_view name) {
    return [name = std::string(name)](const Stanza& s) { return s.name() == name; };
}

XmppClient::Predicate from(std::string_view name, std::string_view from_jid) {
    return [name = std::string(name), from_jid = std::string(from_jid)](const Stanza& s) {
        return s.name() == name && s.attr("from") == from_jid;
    };
}

XmppClient::Predicate message_with_body(std::string_view body) {
    return [body = std::string(body)](const Stanza& s) {
        return s.name() == "message" && s.child_text("body", s.ns()) == body;
    };
}

XmppClient::Predicate iq_with_id(std::string_view id) {
    return
        [id = std::string(id)](const Stanza& s) { return s.name() == "iq" && s.attr("id") == id; };
}

} // namespace xmpp_match

std::string error_condition(const Stanza& stanza) {
    Element error = stanza.child("error", stanza.ns());
    for (Element child : error.children()) {
        if (child.ns() == xmlns::kStanzas && child.name() != "text") {
            return std::string(child.name());
        }
    }
    return {};
}

} // namespace cadenza::test
