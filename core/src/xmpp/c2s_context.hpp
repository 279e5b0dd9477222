// What every client connection shares: the settings, the TLS context, the stores and the
// routing objects. Owned by XmppService; outlives every connection.
#pragma once

#include "xmpp/auth_throttle.hpp"
#include "xmpp/c2s_settings.hpp"

#include <string>

typedef struct ssl_ctx_st SSL_CTX;

namespace cadenza {
struct ServerContext;
namespace accounts {
class AccountStore;
}
} // namespace cadenza

namespace cadenza::xmpp {

class StanzaRouter;
class SessionRegistry;
class PresenceService;
class C2sServer;

struct C2sContext {
    ServerContext& server;
    C2sSettings settings;
    SSL_CTX* tls; // null when no certificate is configured: no STARTTLS
    accounts::AccountStore& accounts;
    StanzaRouter& router;
    SessionRegistry& sessions;
    PresenceService& presence;
    std::string decoy_secret;
    AuthThrottle throttle;
    C2sServer* owner = nullptr;
};

} // namespace cadenza::xmpp
