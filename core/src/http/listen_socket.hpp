// Listening sockets for the HTTP server, made by hand so that "::" can be IPv6-only and share a
// port with "*", and so that a failure names the address and the reason.
#pragma once

#include "http/http_server.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace cadenza::http {

struct ListenSocket {
    int fd = -1;  // nonblocking, listening; the caller owns it
    int port = 0; // the port bound (the kernel's choice for port 0)
};

// Opens a listening socket for `address`. Returns nullopt when `address` is "::" and the host
// has no IPv6. Throws std::runtime_error("cannot listen on http 127.0.0.1:5280: Address already
// in use") on any other failure; `service` names the listener in that message (default: http
// or https). The XMPP listeners use it too.
std::optional<ListenSocket> open_listen_socket(const ListenAddress& address,
                                               std::string_view service = {});

// "127.0.0.1:5280", "[::1]:5280", "*:5280".
std::string display_address(const ListenAddress& address);

} // namespace cadenza::http
