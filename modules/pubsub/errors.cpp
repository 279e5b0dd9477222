#include "errors.hpp"

namespace cadenza::pubsub_module {
namespace errors {

PubsubError item_not_found() {
    return {"cancel", "item-not-found", {}, {}, {}};
}
PubsubError forbidden() {
    return {"auth", "forbidden", {}, {}, {}};
}
PubsubError conflict() {
    return {"cancel", "conflict", {}, {}, {}};
}
PubsubError bad_request(std::string_view pubsub_child) {
    return {"modify", "bad-request", std::string(pubsub_child), {}, {}};
}
PubsubError not_acceptable(std::string_view pubsub_child, std::string_view text) {
    return {"modify", "not-acceptable", std::string(pubsub_child), {}, std::string(text)};
}
PubsubError not_authorized(std::string_view pubsub_child) {
    return {"auth", "not-authorized", std::string(pubsub_child), {}, {}};
}
PubsubError not_allowed(std::string_view pubsub_child) {
    return {"cancel", "not-allowed", std::string(pubsub_child), {}, {}};
}
PubsubError unexpected_request(std::string_view pubsub_child) {
    return {"cancel", "unexpected-request", std::string(pubsub_child), {}, {}};
}
PubsubError unsupported(std::string_view feature) {
    return {"cancel", "feature-not-implemented", "unsupported", std::string(feature), {}};
}
PubsubError precondition_not_met() {
    return {"cancel", "conflict", "precondition-not-met", {}, {}};
}
PubsubError internal_error() {
    return {"wait", "internal-server-error", {}, {}, {}};
}

} // namespace errors

Stanza error_reply(const Stanza& request, const PubsubError& error) {
    Stanza reply = make_error_reply(request, error.type, error.condition, error.text);
    if (!error.pubsub_child.empty()) {
        Element child = reply.child("error", reply.ns()).add_child(error.pubsub_child, kErrorsNs);
        if (!error.feature.empty()) {
            child.set_attr("feature", error.feature);
        }
    }
    return reply;
}

Stanza iq_result(const Stanza& request) {
    Stanza reply = Stanza::make("iq", request.ns().empty() ? "jabber:client" : request.ns());
    reply.set_attr("type", "result");
    if (request.has_attr("id")) {
        reply.set_attr("id", request.attr("id"));
    }
    if (request.has_attr("from")) {
        reply.set_attr("to", request.attr("from"));
    }
    if (request.has_attr("to")) {
        reply.set_attr("from", request.attr("to"));
    }
    return reply;
}

Element add_pubsub_child(Stanza& reply, std::string_view ns, std::string_view name,
                         std::string_view node) {
    Element child = reply.add_child("pubsub", ns).add_child(name, ns);
    if (!node.empty()) {
        child.set_attr("node", node);
    }
    return child;
}

} // namespace cadenza::pubsub_module
