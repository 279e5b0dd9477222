// The client-connection options (Prosody's names), read once at start-up.
#pragma once

#include "http/http_server.hpp"

#include <cadenza/config.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace cadenza::xmpp {

struct C2sSettings {
    // c2s_ports × c2s_interfaces (STARTTLS), and c2s_direct_tls_ports (XEP-0368), tls=true.
    std::vector<http::ListenAddress> addresses;
    bool require_encryption = true;       // c2s_require_encryption
    bool allow_unencrypted_plain = false; // allow_unencrypted_plain_auth
    std::size_t stanza_size_limit = 256 * 1024; // c2s_stanza_size_limit
    int timeout_seconds = 60;             // c2s_timeout: to authenticate
    bool allow_registration = false;      // XEP-0077 in-band registration
    std::size_t max_send_buffer = 4 * 1024 * 1024; // c2s_max_send_buffer: unread output cap
};

// Throws ConfigError for wrong types.
C2sSettings read_c2s_settings(const Options& global);

} // namespace cadenza::xmpp
