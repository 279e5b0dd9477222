// Reads the HTTP listener options: http_ports × http_interfaces, https_ports ×
// https_interfaces (only with a certificate), and the request limits.
#pragma once

#include "http/http_server.hpp"

#include <cadenza/config.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

namespace cadenza {

struct TlsFiles {
    std::string certificate;
    std::string key;
    std::string origin; // which option named them, for messages: "https_ssl (cfg:12)"
};

struct HttpPlan {
    std::vector<http::ListenAddress> addresses;
    http::HttpLimits limits;
    unsigned write_threads = 0;  // http_write_threads; 0: one per core, at most 8
    http::TrustedProxies trusted_proxies = http::TrustedProxies::loopback(); // trusted_proxies
    std::optional<TlsFiles> tls; // set when there are https listeners
    std::string tls_note;        // why HTTPS is off, when it is (for the log)
};

// A certificate from the first of `option_names` that is set (a table with certificate and
// key), else certificates/<first VirtualHost>.crt and .key when both exist. HTTPS looks at
// https_ssl then ssl; client connections at c2s_ssl then ssl. Throws ConfigError.
std::optional<TlsFiles> find_tls_files(const Options& options, const std::string& config_file,
                                       const std::vector<std::string>& virtual_hosts,
                                       std::initializer_list<const char*> option_names);

// Throws ConfigError for wrong types or out-of-range ports.
HttpPlan plan_http(const Options& global, const std::string& config_file,
                   const std::vector<std::string>& virtual_hosts);

} // namespace cadenza
