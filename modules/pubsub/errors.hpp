// Pubsub failures as values (XEP-0060 §§6-8): an RFC 6120 condition, its error type and an
// optional application-specific child in the pubsub#errors namespace. Handlers return them;
// error_reply() turns one into the stanza answered to the requester; iq_result() and
// add_pubsub_child() build the successful answers.
#pragma once

#include <cadenza/stanza.hpp>

#include <string>
#include <string_view>

namespace cadenza::pubsub_module {

inline constexpr std::string_view kPubsubNs = "http://jabber.org/protocol/pubsub";
inline constexpr std::string_view kOwnerNs = "http://jabber.org/protocol/pubsub#owner";
inline constexpr std::string_view kEventNs = "http://jabber.org/protocol/pubsub#event";
inline constexpr std::string_view kErrorsNs = "http://jabber.org/protocol/pubsub#errors";

struct PubsubError {
    std::string type;         // cancel, modify, auth, wait
    std::string condition;    // e.g. item-not-found
    std::string pubsub_child; // e.g. nodeid-required; "" for none
    std::string feature;      // the 'feature' attribute of <unsupported/>
    std::string text;
};

namespace errors {
PubsubError item_not_found();
PubsubError forbidden();
PubsubError conflict();
PubsubError bad_request(std::string_view pubsub_child = {});
PubsubError not_acceptable(std::string_view pubsub_child = {}, std::string_view text = {});
PubsubError not_authorized(std::string_view pubsub_child);
PubsubError not_allowed(std::string_view pubsub_child);
PubsubError unexpected_request(std::string_view pubsub_child);
PubsubError unsupported(std::string_view feature);
PubsubError precondition_not_met();
PubsubError internal_error();
} // namespace errors

// The error reply to `request` (to and from swapped, id kept) carrying `error`.
Stanza error_reply(const Stanza& request, const PubsubError& error);

// <iq type='result'/> answering `request`.
Stanza iq_result(const Stanza& request);

// Adds <pubsub xmlns=ns><name node='node'/></pubsub> to `reply` (no 'node' when it is empty) and
// returns the inner element.
Element add_pubsub_child(Stanza& reply, std::string_view ns, std::string_view name,
                         std::string_view node);

} // namespace cadenza::pubsub_module
