#include "xmpp/stanza_util.hpp"

namespace cadenza::xmpp {

Stanza make_iq_result(const Stanza& request) {
    Stanza reply = Stanza::make("iq", xmlns::kClient);
    reply.set_attr("type", "result");
    reply.set_attr("id", request.attr("id"));
    if (!request.attr("from").empty()) {
        reply.set_attr("to", request.attr("from"));
    }
    if (!request.attr("to").empty()) {
        reply.set_attr("from", request.attr("to"));
    }
    return reply;
}

} // namespace cadenza::xmpp
