// The XMPP side of the server, put together: account and roster stores, sessions, the stanza
// router, roster and presence logic, the core's iq handlers on every host, and the client
// listeners. Owned by Server; started after the hosts exist and before modules load, so
// modules can send stanzas from their load function.
#pragma once

#include <memory>
#include <vector>

typedef struct ssl_ctx_st SSL_CTX;

namespace cadenza {
struct ServerContext;
namespace storage {
class Database;
}
} // namespace cadenza

namespace cadenza::xmpp {

class XmppService {
public:
    // `tls` may be null (no certificate: no STARTTLS). Throws ConfigError for bad options.
    XmppService(ServerContext& context, storage::Database& database, SSL_CTX* tls);
    ~XmppService();
    XmppService(const XmppService&) = delete;
    XmppService& operator=(const XmppService&) = delete;

    // Opens the client listeners. Throws std::runtime_error naming the address.
    void listen();
    std::vector<int> bound_ports() const;
    // Stops accepting and ends every session with system-shutdown.
    void shut_down();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace cadenza::xmpp
