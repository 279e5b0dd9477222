// mod_echo: a component for the XMPP integration tests, loaded as
//   Component "echo.localhost" "echo"
// It answers every message with a body, sent to the component itself or to any address on it,
// with a message back: from the address the message was sent to, to the sender's full JID,
// body "echo: <body>". Messages without a body (and errors) are left to the core.
#include <cadenza/cadenza.hpp>
#include <cadenza/xmpp.hpp>

namespace {

using namespace cadenza;

HookResult echo(Module& module, StanzaEvent& event) {
    const Stanza& in = event.stanza;
    Element body = in.child("body", in.ns());
    if (!body || in.attr("type") == "error") {
        return HookResult::kPass;
    }
    Stanza reply = Stanza::make("message", xmlns::kClient);
    reply.set_attr("from", event.to.full());
    reply.set_attr("to", in.attr("from"));
    if (in.has_attr("type")) {
        reply.set_attr("type", in.attr("type"));
    }
    if (in.has_attr("id")) {
        reply.set_attr("id", in.attr("id"));
    }
    reply.add_child("body", xmlns::kClient).set_text("echo: " + body.text());
    module.log().debug("echoing a message from ", in.attr("from"));
    module.send(std::move(reply));
    return HookResult::kHandled;
}

void load(Module& module) {
    for (const char* event : {"message/host", "message/bare"}) {
        module.hook<StanzaEvent>(event, [&module](StanzaEvent& e) { return echo(module, e); });
    }
}

} // namespace

CADENZA_MODULE("echo", load, nullptr, nullptr, nullptr)
