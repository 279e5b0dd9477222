#include "client_socket.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace cadenza::test {
namespace {

using Clock = std::chrono::steady_clock;

// Waits until the non-blocking connect on `fd` has finished; 0 or the connect's errno
// (ETIMEDOUT when `deadline` passed first).
int wait_connected(int fd, Clock::time_point deadline) {
    if (!wait_ready(fd, POLLOUT, deadline)) {
        return ETIMEDOUT;
    }
    int error = 0;
    socklen_t length = sizeof error;
    return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0 ? errno : error;
}

} // namespace

bool wait_ready(int fd, short events, Clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() < 0) {
            return false;
        }
        pollfd p{fd, events, 0};
        int n = ::poll(&p, 1, static_cast<int>(left.count()) + 1);
        if (n > 0) {
            return true;
        }
        if (n < 0 && errno != EINTR) {
            return false;
        }
    }
}

int tcp_connect(int port, Clock::time_point deadline, const TcpOptions& options) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }
    if (options.receive_buffer > 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer,
                   sizeof options.receive_buffer);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int error = 0;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        error = errno == EINPROGRESS ? wait_connected(fd, deadline) : errno;
    }
    if (error != 0) {
        ::close(fd);
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " +
                                 (error == ETIMEDOUT ? "timed out" : std::strerror(error)));
    }
    return fd;
}

std::string openssl_error() {
    unsigned long code = ERR_get_error();
    if (code == 0) {
        return "unknown TLS error";
    }
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

ClientTls make_client_tls(int fd, std::string_view server_name, std::string_view ca_file) {
    ClientTls tls;
    tls.ctx = SSL_CTX_new(TLS_client_method());
    if (tls.ctx == nullptr) {
        throw std::runtime_error("SSL_CTX_new: " + openssl_error());
    }
    if (!ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(tls.ctx, std::string(ca_file).c_str(), nullptr) != 1) {
            std::string why = openssl_error();
            free_client_tls(tls);
            throw std::runtime_error("cannot load " + std::string(ca_file) + ": " + why);
        }
        SSL_CTX_set_verify(tls.ctx, SSL_VERIFY_PEER, nullptr);
    }
    tls.ssl = SSL_new(tls.ctx);
    std::string name(server_name);
    SSL_set_fd(tls.ssl, fd);
    SSL_set_tlsext_host_name(tls.ssl, name.c_str());
    if (!ca_file.empty()) {
        SSL_set1_host(tls.ssl, name.c_str());
    }
    return tls;
}

void client_handshake(ClientTls& tls, const std::function<bool(short events)>& wait) {
    for (;;) {
        int rc = SSL_connect(tls.ssl);
        if (rc == 1) {
            return;
        }
        int e = SSL_get_error(tls.ssl, rc);
        short want = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (want == 0) {
            std::string why = openssl_error();
            long verify = SSL_get_verify_result(tls.ssl);
            free_client_tls(tls);
            throw std::runtime_error("TLS handshake failed: " + why +
                                     " (verify: " + X509_verify_cert_error_string(verify) + ")");
        }
        if (!wait(want)) {
            free_client_tls(tls);
            throw std::runtime_error("TLS handshake timed out");
        }
    }
}

void free_client_tls(ClientTls& tls) {
    SSL_free(tls.ssl); // both accept null
    SSL_CTX_free(tls.ctx);
    tls = {};
}

} // namespace cadenza::test
