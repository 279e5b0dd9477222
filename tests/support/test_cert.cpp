#include "test_cert.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace cadenza::test {
namespace {

[[noreturn]] void fail(const std::string& what) {
    unsigned long e = ERR_get_error();
    char buf[256] = "no OpenSSL error queued";
    if (e != 0) {
        ERR_error_string_n(e, buf, sizeof buf);
    }
    throw std::runtime_error("test certificate: " + what + ": " + buf);
}

template <typename T, void (*Free)(T*)> struct Deleter {
    void operator()(T* p) const { Free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CertPtr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

void write_pem(const std::string& path, bool key, EVP_PKEY* pkey, X509* cert) {
    std::FILE* f = std::fopen(path.c_str(), "w");
    if (f == nullptr) {
        throw std::runtime_error("test certificate: cannot write " + path);
    }
    int ok = key ? PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr)
                 : PEM_write_X509(f, cert);
    std::fclose(f);
    if (ok != 1) {
        fail("cannot write " + path);
    }
}

void add_extension(X509* cert, int nid, const std::string& value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (ext == nullptr) {
        fail("cannot make extension " + value);
    }
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
}

} // namespace

TestCert make_test_cert(const std::string& dir, std::string_view host_view, bool rsa) {
    std::string host(host_view);
    KeyPtr key(rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256"));
    if (!key) {
        fail("cannot generate a key");
    }
    CertPtr cert(X509_new());
    if (!cert) {
        fail("X509_new");
    }
    X509_set_version(cert.get(), 2); // v3, for subjectAltName
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
    X509_set_pubkey(cert.get(), key.get());
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(host.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);

    unsigned char ip[16];
    bool is_ip =
        inet_pton(AF_INET, host.c_str(), ip) == 1 || inet_pton(AF_INET6, host.c_str(), ip) == 1;
    add_extension(cert.get(), NID_subject_alt_name, (is_ip ? "IP:" : "DNS:") + host);
    add_extension(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
    add_extension(cert.get(), NID_subject_key_identifier, "hash");

    if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
        fail("cannot sign the certificate");
    }
    TestCert out{dir + "/" + host + ".crt", dir + "/" + host + ".key"};
    write_pem(out.cert_file, false, nullptr, cert.get());
    write_pem(out.key_file, true, key.get(), nullptr);
    return out;
}

} // namespace cadenza::test
