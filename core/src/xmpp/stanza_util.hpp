// Small builders shared by the core's XMPP handlers.
#pragma once

#include <cadenza/stanza.hpp>

#include <string_view>

namespace cadenza::xmpp {

// <iq type='result' id=request.id to=request.from from=request.to/> (from omitted when the
// request had no 'to').
Stanza make_iq_result(const Stanza& request);

// Builds an iq error reply (make_error_reply with the usual types).
inline Stanza make_iq_error(const Stanza& request, std::string_view type,
                            std::string_view condition) {
    return make_error_reply(request, type, condition);
}

} // namespace cadenza::xmpp
