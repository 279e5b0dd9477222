// Where the server's own stanzas go: the XMPP router implements it; modules reach it through
// Module::send. Kept apart from the router so the module system does not depend on c2s.
#pragma once

#include <cadenza/stanza.hpp>

namespace cadenza::xmpp {

class StanzaSink {
public:
    // Routes a stanza sent by the server or a module (its 'from' is trusted).
    virtual void route_from_server(Stanza stanza) = 0;

protected:
    ~StanzaSink() = default;
};

} // namespace cadenza::xmpp
