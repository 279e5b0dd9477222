#include "xmpp/server_iq.hpp"

#include "server/server_context.hpp"
#include "xmpp/roster_service.hpp"
#include "xmpp/stanza_util.hpp"

#include <cadenza/xmpp.hpp>

#ifndef CADENZA_VERSION
#define CADENZA_VERSION "dev"
#endif

namespace cadenza::xmpp {
namespace {

HookResult disco_info(Host& host, StanzaEvent& event) {
    if (!event.to.is_domain()) {
        return HookResult::kPass;
    }
    Element request = event.stanza.child("query", kDiscoInfoNs);
    if (!request.attr("node").empty()) {
        event.origin.send(make_error_reply(event.stanza, "cancel", stanza_error::kItemNotFound));
        return HookResult::kHandled;
    }
    Stanza reply = make_iq_result(event.stanza);
    Element query = reply.add_child("query", kDiscoInfoNs);
    auto identities = host.disco.identities();
    if (identities.empty()) {
        identities.push_back({host.kind == config::SectionKind::kVirtualHost ? "server" : "component",
                              host.kind == config::SectionKind::kVirtualHost ? "im" : "generic",
                              "Cadenza"});
    }
    for (const auto& id : identities) {
        Element e = query.add_child("identity", kDiscoInfoNs);
        e.set_attr("category", id.category);
        e.set_attr("type", id.type);
        if (!id.name.empty()) {
            e.set_attr("name", id.name);
        }
    }
    for (const auto& var : host.disco.features()) {
        query.add_child("feature", kDiscoInfoNs).set_attr("var", var);
    }
    event.origin.send(std::move(reply));
    return HookResult::kHandled;
}

HookResult disco_items(ServerContext& context, Host& host, StanzaEvent& event) {
    if (!event.to.is_domain()) {
        return HookResult::kPass;
    }
    Stanza reply = make_iq_result(event.stanza);
    Element query = reply.add_child("query", kDiscoItemsNs);
    if (event.stanza.child("query", kDiscoItemsNs).attr("node").empty()) {
        for (const auto& item : host.disco.items()) {
            Element e = query.add_child("item", kDiscoItemsNs);
            e.set_attr("jid", item.jid);
            if (!item.name.empty()) {
                e.set_attr("name", item.name);
            }
        }
        // A server lists the components below its domain, as Prosody does.
        if (host.kind == config::SectionKind::kVirtualHost) {
            std::string suffix = "." + host.name;
            for (const auto& other : context.hosts) {
                if (other->kind == config::SectionKind::kComponent &&
                    other->name.size() > suffix.size() && other->name.ends_with(suffix)) {
                    query.add_child("item", kDiscoItemsNs).set_attr("jid", other->name);
                }
            }
        }
    }
    event.origin.send(std::move(reply));
    return HookResult::kHandled;
}

HookResult version(StanzaEvent& event) {
    Stanza reply = make_iq_result(event.stanza);
    Element query = reply.add_child("query", kVersionNs);
    query.add_child("name", kVersionNs).set_text("Cadenza");
    query.add_child("version", kVersionNs).set_text(CADENZA_VERSION);
    event.origin.send(std::move(reply));
    return HookResult::kHandled;
}

} // namespace

std::vector<HookId> install_server_iq(ServerContext& context, Host& host, bool registration) {
    const std::string owner = "core";
    HookBus& bus = host.events;
    std::vector<HookId> ids;
    Host* h = &host;
    ServerContext* c = &context;
    ids.push_back(bus.add<StanzaEvent>(
        iq_event_name("get", "host", kDiscoInfoNs, "query"),
        [h](StanzaEvent& e) { return disco_info(*h, e); }, hook_priority::kLast, owner));
    ids.push_back(bus.add<StanzaEvent>(
        iq_event_name("get", "host", kDiscoItemsNs, "query"),
        [c, h](StanzaEvent& e) { return disco_items(*c, *h, e); }, hook_priority::kLast, owner));
    ids.push_back(bus.add<StanzaEvent>(
        iq_event_name("get", "host", kPingNs, "ping"),
        [](StanzaEvent& e) {
            e.origin.send(make_iq_result(e.stanza));
            return HookResult::kHandled;
        },
        hook_priority::kLast, owner));
    host.disco.add_feature(std::string(kDiscoInfoNs), owner);
    host.disco.add_feature(std::string(kDiscoItemsNs), owner);
    host.disco.add_feature(std::string(kPingNs), owner);

    if (host.kind == config::SectionKind::kVirtualHost) {
        ids.push_back(bus.add<StanzaEvent>(iq_event_name("get", "host", kVersionNs, "query"),
                                           version, hook_priority::kLast, owner));
        host.disco.add_feature(std::string(kVersionNs), owner);
        host.disco.add_feature(std::string(kRosterNs), owner);
        host.disco.add_feature("urn:xmpp:features:rosterver", owner);
        if (registration) {
            host.disco.add_feature("jabber:iq:register", owner);
        }
    }
    return ids;
}

} // namespace cadenza::xmpp
