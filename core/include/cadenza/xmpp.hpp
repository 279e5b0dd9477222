// Stanza events: how modules see and send XMPP traffic (Prosody's stanza events).
//
// Every stanza the router delivers to a host (a VirtualHost or a Component) is fired on that
// host's bus, as dispatch events, most specific first:
//
//   iq-get/host/<ns>:<name>    an iq get or set with a payload child, e.g.
//   iq-set/bare/<ns>:<name>    "iq-get/host/http://jabber.org/protocol/disco#info:query"
//   iq/host, iq/bare, iq/full  any iq (also results and errors)
//   message/host|bare|full
//   presence/host|bare|full
//
// "host" means the stanza was addressed to the host itself (to='pubsub.example.org'),
// "bare" to an account or room (to='node@host'), "full" to a resource (to='a@host/r').
// A handler that answers (or otherwise consumes) the stanza returns HookResult::kHandled.
// When no handler took an iq get/set, the core answers service-unavailable; messages and
// presence nobody took are delivered (to accounts) or dropped (to components).
#pragma once

#include <cadenza/jid.hpp>
#include <cadenza/stanza.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace cadenza {

// Where a stanza came from: a client session, or the server itself (a module, or the core).
class Origin {
public:
    enum class Kind { kClient, kServer };
    virtual ~Origin() = default;

    virtual Kind kind() const = 0;
    // The full JID of a client session; nullopt for the server.
    virtual const std::optional<Jid>& jid() const = 0;
    // Delivers a stanza straight to this origin (for a client: written to its connection).
    // For the server origin the stanza is routed by its 'to'.
    virtual void send(Stanza stanza) = 0;
};

// The payload of every stanza event. Borrowed for the duration of the fire.
struct StanzaEvent {
    Stanza& stanza; // 'from' is set and trusted (stamped by the core for client sessions)
    Origin& origin;
    const Jid& to;        // parsed 'to' (the host itself when the stanza had no 'to')
    std::string_view host; // the host whose bus fires
};

// Why a stanza could not be routed, for modules that send.
namespace stanza_error {
inline constexpr std::string_view kServiceUnavailable = "service-unavailable";
inline constexpr std::string_view kItemNotFound = "item-not-found";
inline constexpr std::string_view kFeatureNotImplemented = "feature-not-implemented";
inline constexpr std::string_view kForbidden = "forbidden";
inline constexpr std::string_view kBadRequest = "bad-request";
inline constexpr std::string_view kNotAcceptable = "not-acceptable";
inline constexpr std::string_view kConflict = "conflict";
inline constexpr std::string_view kNotAllowed = "not-allowed";
inline constexpr std::string_view kNotAuthorized = "not-authorized";
inline constexpr std::string_view kRegistrationRequired = "registration-required";
inline constexpr std::string_view kJidMalformed = "jid-malformed";
inline constexpr std::string_view kInternalServerError = "internal-server-error";
inline constexpr std::string_view kResourceConstraint = "resource-constraint";
inline constexpr std::string_view kRemoteServerNotFound = "remote-server-not-found";
inline constexpr std::string_view kPolicyViolation = "policy-violation";
} // namespace stanza_error

// Builds the name of an iq event, e.g. iq_event_name("iq-get", "host",
// "urn:xmpp:ping", "ping") == "iq-get/host/urn:xmpp:ping:ping".
inline std::string iq_event_name(std::string_view type, std::string_view form, std::string_view ns,
                                 std::string_view name) {
    std::string out;
    out.reserve(16 + ns.size() + name.size());
    out.append("iq-").append(type).append("/").append(form).append("/");
    out.append(ns).append(":").append(name);
    return out;
}

} // namespace cadenza
