// A self-signed certificate and key for tests that need TLS (https listeners, XMPP STARTTLS).
#pragma once

#include <string>
#include <string_view>

namespace cadenza::test {

struct TestCert {
    std::string cert_file; // PEM certificate: CN and subjectAltName are the host
    std::string key_file;  // PEM private key (unencrypted)
};

// Generates a fresh key and a certificate valid for `host` (a DNS name, or an IP address, which
// then goes into an IP subjectAltName) for a day, and writes them as `<dir>/<host>.crt` and
// `<dir>/<host>.key`. `rsa`: RSA 2048 instead of EC P-256. Throws std::runtime_error naming the
// OpenSSL failure.
TestCert make_test_cert(const std::string& dir, std::string_view host, bool rsa = false);

} // namespace cadenza::test
