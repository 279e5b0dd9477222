// A bound client session as the router and the presence logic see it. Implemented by
// C2sConnection; kept abstract so routing can be tested without sockets.
#pragma once

#include <cadenza/jid.hpp>
#include <cadenza/xmpp.hpp>

#include <set>
#include <string>
#include <string_view>

namespace cadenza::xmpp {

class ClientSession : public Origin {
public:
    Kind kind() const override { return Kind::kClient; }
    // The bound full JID. Only sessions that bound a resource are in the registry.
    virtual const Jid& full_jid() const = 0;
    // Available presence was sent and not withdrawn (RFC 6121 §4.2).
    virtual bool available() const = 0;
    virtual int priority() const = 0;
    // The last available presence broadcast (null before initial presence).
    virtual const Stanza* presence() const = 0;
    virtual void set_presence(Stanza presence, int priority) = 0;
    virtual void clear_presence() = 0;
    // Where the session sent directed available presence (RFC 6121 §4.6): they get
    // unavailable when it ends.
    virtual std::set<std::string>& directed_presence() = 0;
    // Ends the session with a stream error (e.g. "conflict").
    virtual void close_with_error(std::string_view condition, std::string_view text) = 0;
};

} // namespace cadenza::xmpp
