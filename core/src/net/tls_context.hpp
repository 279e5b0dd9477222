// Server-side TLS contexts: TLS 1.2 and newer, forward-secret AEAD ciphers, certificate and
// key loaded and checked against each other.
#pragma once

#include <memory>
#include <string>

typedef struct ssl_ctx_st SSL_CTX;

namespace cadenza::net {

struct SslCtxFree {
    void operator()(SSL_CTX* ctx) const;
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, SslCtxFree>;

// Throws std::runtime_error("cannot use certificate <path>: <OpenSSL reason>") when a file is
// missing, unreadable, or the key does not match the certificate.
SslCtxPtr make_server_tls_context(const std::string& certificate, const std::string& key);

} // namespace cadenza::net
