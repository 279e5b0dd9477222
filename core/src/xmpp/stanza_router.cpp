#include "xmpp/stanza_router.hpp"

#include "accounts/account_store.hpp"
#include "server/server_context.hpp"

namespace cadenza::xmpp {
namespace {

const Logger kLog("router");

bool is_error_or_result(const Stanza& s) {
    std::string_view type = s.attr("type");
    return type == "error" || (s.name() == "iq" && type == "result");
}

std::string_view form_of(const Jid& to) {
    if (to.is_domain()) {
        return "host";
    }
    return to.is_bare() ? "bare" : "full";
}

} // namespace

StanzaRouter::StanzaRouter(ServerContext& context, SessionRegistry& sessions,
                           accounts::AccountStore& accounts)
    : context_(context), sessions_(sessions), accounts_(accounts), server_origin_(*this) {}

void StanzaRouter::route_from_server(Stanza stanza) { route(std::move(stanza), server_origin_); }

void StanzaRouter::bounce(const Stanza& request, std::string_view type,
                          std::string_view condition, std::string_view text) {
    if (is_error_or_result(request) || request.attr("from").empty()) {
        return; // never answer an error or a result (RFC 6120 §8.3.1), nor nobody
    }
    route_from_server(make_error_reply(request, type, condition, text));
}

bool StanzaRouter::account_exists(const Jid& bare) {
    if (!sessions_.sessions_of(bare).empty()) {
        return true;
    }
    try {
        return accounts_.exists(bare.domain(), bare.node());
    } catch (const std::exception& e) {
        kLog.error("cannot look up account ", bare.str(), ": ", e.what());
        return false;
    }
}

void StanzaRouter::route(Stanza stanza, Origin& origin) {
    std::string_view kind = stanza.name();
    std::optional<Jid> to;
    std::string_view to_attr = stanza.attr("to");
    if (to_attr.empty()) {
        // No 'to': the server handles it on behalf of the sender's account (RFC 6120 §10.3).
        if (origin.kind() != Origin::Kind::kClient || !origin.jid()) {
            kLog.debug("dropping a ", kind, " from the server without 'to'");
            return;
        }
        to = origin.jid()->bare();
    } else {
        to = Jid::parse(to_attr);
        if (!to) {
            if (kind != "presence") {
                bounce(stanza, "modify", stanza_error::kJidMalformed);
            }
            return;
        }
    }

    Host* host = context_.find_host(to->domain());
    if (host == nullptr) {
        // No server-to-server connections: other domains are out of reach.
        if (kind != "presence") {
            bounce(stanza, "cancel", stanza_error::kRemoteServerNotFound);
        }
        return;
    }
    if (fire_hooks(*host, stanza, origin, *to)) {
        return;
    }

    bool get_or_set = kind == "iq" && (stanza.attr("type") == "get" || stanza.attr("type") == "set");
    if (host->kind == config::SectionKind::kComponent || to->is_domain()) {
        if (get_or_set) {
            bounce(stanza, "cancel", stanza_error::kServiceUnavailable);
        }
        return;
    }
    to_account(std::move(stanza), *to);
}

bool StanzaRouter::fire_hooks(Host& host, Stanza& stanza, Origin& origin, const Jid& to) {
    StanzaEvent event{stanza, origin, to, host.name};
    std::string_view kind = stanza.name();
    std::string_view form = form_of(to);
    if (kind == "iq") {
        std::string_view type = stanza.attr("type");
        if (type == "get" || type == "set") {
            Element payload = stanza.root().first_child();
            if (payload &&
                host.events.dispatch(iq_event_name(type, form, payload.ns(), payload.name()),
                                     event)) {
                return true;
            }
        }
    }
    std::string generic;
    generic.append(kind).append("/").append(form);
    return host.events.dispatch(generic, event);
}

void StanzaRouter::to_account(Stanza stanza, const Jid& to) {
    std::string_view kind = stanza.name();
    std::string_view type = stanza.attr("type");
    Jid bare = to.bare();
    if (!account_exists(bare)) {
        // No presence leak for accounts that do not exist (RFC 6121 §8.5.2.2).
        if (kind != "presence") {
            bounce(stanza, "cancel", stanza_error::kServiceUnavailable);
        }
        return;
    }
    if (kind == "presence") {
        if (presence_inbound_) {
            presence_inbound_(std::move(stanza), to);
        }
        return;
    }
    if (kind == "message") {
        deliver_message(std::move(stanza), to);
        return;
    }
    // iq: to a resource, delivered; to the account, only hooks (roster, disco) answer.
    if (!to.is_bare()) {
        if (ClientSession* session = sessions_.find(to)) {
            session->send(std::move(stanza));
            return;
        }
    }
    if (type == "get" || type == "set") {
        bounce(stanza, "cancel", stanza_error::kServiceUnavailable);
    }
}

void StanzaRouter::deliver_message(Stanza stanza, const Jid& to) {
    std::string_view type = stanza.attr("type");
    if (!to.is_bare()) {
        if (ClientSession* session = sessions_.find(to)) {
            session->send(std::move(stanza));
            return;
        }
        // RFC 6121 §8.5.3.2.1: to a resource that is gone, normal and chat go to the account,
        // groupchat is refused (so a room can drop the occupant), the rest are dropped.
        if (type == "groupchat") {
            bounce(stanza, "cancel", stanza_error::kServiceUnavailable);
            return;
        }
        if (type == "headline" || type == "error") {
            return;
        }
    }
    if (type == "groupchat") {
        bounce(stanza, "cancel", stanza_error::kServiceUnavailable);
        return;
    }
    std::vector<ClientSession*> targets;
    if (type == "headline") {
        for (ClientSession* s : sessions_.sessions_of(to.bare())) {
            if (s->available() && s->priority() >= 0) {
                targets.push_back(s);
            }
        }
    } else {
        targets = sessions_.message_targets(to.bare());
    }
    if (targets.empty()) {
        // No offline storage: say so rather than lose the message silently.
        if (type != "headline") {
            bounce(stanza, "cancel", stanza_error::kServiceUnavailable);
        }
        return;
    }
    for (std::size_t i = 0; i + 1 < targets.size(); ++i) {
        targets[i]->send(stanza.clone());
    }
    targets.back()->send(std::move(stanza));
}

} // namespace cadenza::xmpp
