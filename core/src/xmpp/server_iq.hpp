// The iq handlers the core answers on every host unless a module answers first (they hook at
// the lowest priority): XEP-0030 disco#info and disco#items from the host's DiscoRegistry,
// XEP-0199 ping, and on VirtualHosts XEP-0092 software version.
#pragma once

#include <cadenza/hooks.hpp>

#include <vector>

namespace cadenza {
struct Host;
struct ServerContext;
} // namespace cadenza

namespace cadenza::xmpp {

inline constexpr std::string_view kDiscoInfoNs = "http://jabber.org/protocol/disco#info";
inline constexpr std::string_view kDiscoItemsNs = "http://jabber.org/protocol/disco#items";
inline constexpr std::string_view kPingNs = "urn:xmpp:ping";
inline constexpr std::string_view kVersionNs = "jabber:iq:version";

// Hooks the handlers on `host` and adds the core's features and identity to its registry.
// `registration`: jabber:iq:register is advertised on VirtualHosts.
std::vector<HookId> install_server_iq(ServerContext& context, Host& host, bool registration);

} // namespace cadenza::xmpp
