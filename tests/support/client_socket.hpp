// The socket and TLS set-up the raw test clients share (http_client, raw_xmpp, and the
// hand-made sockets of some integration tests): a loopback TCP connection with a deadline, and
// an OpenSSL client session on it.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace cadenza::test {

struct TcpOptions {
    // When > 0, SO_RCVBUF set before connecting: a small window, to play a slow reader.
    int receive_buffer = 0;
};

// Waits until `fd` is ready for the poll `events`; false when `deadline` passed first or poll
// failed.
bool wait_ready(int fd, short events, std::chrono::steady_clock::time_point deadline);

// Connects to 127.0.0.1:port and returns the connected, non-blocking socket (close-on-exec,
// TCP_NODELAY, so that every write goes out as the test made it). Throws std::runtime_error
// when the connection fails or is not up by `deadline`.
int tcp_connect(int port, std::chrono::steady_clock::time_point deadline,
                const TcpOptions& options = {});

// The oldest error in OpenSSL's queue, in words ("unknown TLS error" when there is none).
std::string openssl_error();

// An OpenSSL client context and session on `fd`, not yet handshaken: SNI `server_name`; when
// `ca_file` is given, the server's certificate must chain to it and match `server_name`, else
// any certificate is accepted. Throws std::runtime_error (freeing what it made) on failure.
struct ClientTls {
    SSL_CTX* ctx = nullptr;
    SSL* ssl = nullptr;
};
ClientTls make_client_tls(int fd, std::string_view server_name, std::string_view ca_file);
// Runs the client side of the handshake on `tls`; `wait(events)` waits until the socket is
// ready for those poll events, false to give up. When the handshake fails or is given up, frees
// `tls` and throws std::runtime_error saying why (with the certificate verification result).
void client_handshake(ClientTls& tls, const std::function<bool(short events)>& wait);
// Frees both (either may be null) and nulls them.
void free_client_tls(ClientTls& tls);

} // namespace cadenza::test
