// Config snippets for integration tests: loopback only, ports the test chose, modules from
// the build tree.
#pragma once

#include "server_process.hpp"
#include "test_cert.hpp"

#include <string>

namespace cadenza::test {

// Global section: HTTP on 127.0.0.1:<http_port>, no HTTPS and no XMPP listener (tests that
// want them set their own ports after this), debug log to stderr, the test
// and example module folders as plugin paths, data under the temp dir.
inline std::string loopback_globals(int http_port) {
    return "http_ports = { " + std::to_string(http_port) +
           " }\n"
           "http_interfaces = { \"127.0.0.1\" }\n"
           "https_ports = { }\n"
           "c2s_ports = { }\n"
           "log = { debug = \"*console\" }\n"
           "data_path = \"data\"\n"
           "plugin_paths = { \"" +
           env_path("CADENZA_TEST_MODULE_DIR") + "\", \"" +
           env_path("CADENZA_EXAMPLE_MODULE_DIR") + "\" }\n";
}

// Global options after loopback_globals: c2s listening on 127.0.0.1:<c2s_port>.
inline std::string c2s_globals(int c2s_port) {
    return "c2s_ports = { " + std::to_string(c2s_port) +
           " }\n"
           "c2s_interfaces = { \"127.0.0.1\" }\n";
}

// Global option: `cert` as every host's TLS certificate.
inline std::string ssl_globals(const TestCert& cert) {
    return "ssl = { certificate = \"" + cert.cert_file + "\", key = \"" + cert.key_file + "\" }\n";
}

} // namespace cadenza::test
