#include "net/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace cadenza::net {
namespace {

std::string openssl_reason() {
    unsigned long code = ERR_get_error();
    ERR_clear_error();
    if (code == 0) {
        return "unknown OpenSSL error";
    }
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    return buf;
}

} // namespace

void SslCtxFree::operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }

SslCtxPtr make_server_tls_context(const std::string& certificate, const std::string& key) {
    SslCtxPtr ctx(SSL_CTX_new(TLS_server_method()));
    if (!ctx) {
        throw std::runtime_error("cannot create a TLS context: " + openssl_reason());
    }
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    // No renegotiation, no compression; prefer our cipher order.
    SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                                       SSL_OP_CIPHER_SERVER_PREFERENCE);
    SSL_CTX_set_cipher_list(ctx.get(), "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!MD5:!RC4");
    SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_use_certificate_chain_file(ctx.get(), certificate.c_str()) != 1) {
        throw std::runtime_error("cannot use certificate " + certificate + ": " +
                                 openssl_reason());
    }
    if (SSL_CTX_use_PrivateKey_file(ctx.get(), key.c_str(), SSL_FILETYPE_PEM) != 1) {
        throw std::runtime_error("cannot use private key " + key + ": " + openssl_reason());
    }
    if (SSL_CTX_check_private_key(ctx.get()) != 1) {
        throw std::runtime_error("private key " + key + " does not match certificate " +
                                 certificate);
    }
    return ctx;
}

} // namespace cadenza::net
