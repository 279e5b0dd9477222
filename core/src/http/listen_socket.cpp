#include "http/listen_socket.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace cadenza::http {
namespace {

struct Endpoint {
    sockaddr_storage addr{};
    socklen_t len = 0;
    int family = AF_INET;
    bool any_v6 = false; // "::": may be skipped when the host has no IPv6
};

// "*", "::" or a numeric address ("127.0.0.1", "::1", "[::1]"); nullopt if none of these.
std::optional<Endpoint> endpoint_of(const ListenAddress& a) {
    Endpoint e;
    std::string iface = a.interface;
    if (iface.size() > 2 && iface.front() == '[' && iface.back() == ']') {
        iface = iface.substr(1, iface.size() - 2);
    }
    auto port = htons(static_cast<std::uint16_t>(a.port));
    auto* v4 = reinterpret_cast<sockaddr_in*>(&e.addr);
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&e.addr);
    if (iface == "*" || iface.empty()) {
        v4->sin_family = AF_INET;
        v4->sin_addr.s_addr = htonl(INADDR_ANY);
        v4->sin_port = port;
        e.len = sizeof(sockaddr_in);
    } else if (iface == "::") {
        v6->sin6_family = AF_INET6;
        v6->sin6_addr = in6addr_any;
        v6->sin6_port = port;
        e.len = sizeof(sockaddr_in6);
        e.family = AF_INET6;
        e.any_v6 = true;
    } else if (inet_pton(AF_INET, iface.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = port;
        e.len = sizeof(sockaddr_in);
    } else if (inet_pton(AF_INET6, iface.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = port;
        e.len = sizeof(sockaddr_in6);
        e.family = AF_INET6;
    } else {
        return std::nullopt;
    }
    return e;
}

} // namespace

std::string display_address(const ListenAddress& a) {
    bool v6 = a.interface.find(':') != std::string::npos && a.interface.front() != '[';
    return (v6 ? "[" + a.interface + "]" : a.interface) + ":" + std::to_string(a.port);
}

std::optional<ListenSocket> open_listen_socket(const ListenAddress& a, std::string_view service) {
    std::string name = service.empty() ? (a.tls ? "https" : "http") : std::string(service);
    auto fail = [&](const std::string& why) {
        throw std::runtime_error("cannot listen on " + name + " " + display_address(a) + ": " +
                                 why);
    };
    if (a.port < 0 || a.port > 65535) {
        fail("the port must be between 0 and 65535");
    }
    auto endpoint = endpoint_of(a);
    if (!endpoint) {
        fail("not an address: use \"*\" (all IPv4), \"::\" (all IPv6) or a numeric address");
    }
    int fd = socket(endpoint->family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int err = fd < 0 ? errno : 0;
    if (fd >= 0) {
        int on = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        // "::" is IPv6 only, so that "*" can take the same port for IPv4.
        if (endpoint->family == AF_INET6) {
            setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
        }
        if (bind(fd, reinterpret_cast<sockaddr*>(&endpoint->addr), endpoint->len) != 0 ||
            ::listen(fd, 511) != 0) {
            err = errno;
            ::close(fd);
            fd = -1;
        }
    }
    if (fd < 0) {
        if (endpoint->any_v6 && (err == EAFNOSUPPORT || err == EADDRNOTAVAIL)) {
            return std::nullopt;
        }
        fail(std::strerror(err));
    }
    sockaddr_storage actual{};
    socklen_t actual_len = sizeof actual;
    getsockname(fd, reinterpret_cast<sockaddr*>(&actual), &actual_len);
    int port =
        ntohs(actual.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&actual)->sin6_port
                                           : reinterpret_cast<sockaddr_in*>(&actual)->sin_port);
    return ListenSocket{fd, port};
}

} // namespace cadenza::http
