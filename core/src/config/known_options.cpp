#include "config/known_options.hpp"

#include <algorithm>
#include <iterator>

namespace cadenza::config {
namespace {

// Keep in step with docs/configuration.md.
constexpr std::string_view kCoreOptions[] = {
    "admins",
    "allow_registration",
    "allow_unencrypted_plain_auth",
    "authentication",
    "c2s_direct_tls_ports",
    "c2s_interfaces",
    "c2s_max_connections",
    "c2s_max_send_buffer",
    "c2s_ports",
    "c2s_require_encryption",
    "c2s_stanza_size_limit",
    "c2s_timeout",
    "certificates",
    "component_module",
    "data_path",
    "enabled",
    "http_default_host",
    "http_host",
    "http_interfaces",
    "http_max_connections",
    "http_max_content_size",
    "http_max_header_size",
    "http_paths",
    "http_ports",
    "http_request_timeout",
    "http_write_threads",
    "https_interfaces",
    "https_ports",
    "https_ssl",
    "limits",
    "log",
    "modules_disabled",
    "modules_enabled",
    "pidfile",
    "plugin_paths",
    "sql",
    "ssl",
    "storage",
    "trusted_proxies",
};

// Prosody options that mean nothing to Cadenza: server-to-server, daemonizing, Prosody's
// network backends, BOSH/WebSocket tuning and the like (from Prosody's documentation and the
// option list of `prosodyctl check config`).
constexpr std::string_view kIgnoredProsodyOptions[] = {
    "access_control_allow_credentials",
    "access_control_allow_headers",
    "access_control_allow_methods",
    "access_control_max_age",
    "admin_socket",
    "anonymous_login",
    "archive_expires_after",
    "bosh_max_inactivity",
    "bosh_max_polling",
    "bosh_max_wait",
    "bosh_ports",
    "buffer_size_limit",
    "c2s_close_timeout",
    "c2s_tcp_keepalives",
    "component_interface",
    "component_interfaces",
    "component_ports",
    "component_stanza_size_limit",
    "component_tcp_keepalives",
    "consider_bosh_secure",
    "consider_websocket_secure",
    "console_banner",
    "console_interfaces",
    "console_ports",
    "console_prettyprint_settings",
    "contact_info",
    "cross_domain_bosh",
    "cross_domain_websocket",
    "daemonize",
    "default_archive_policy",
    "default_storage",
    "disallow_s2s",
    "external_addresses",
    "gc",
    "http_errors_always_show",
    "http_errors_default_message",
    "http_errors_detailed",
    "http_errors_messages",
    "http_external_url",
    "installer_plugin_path",
    "legacy_ssl_interfaces",
    "legacy_ssl_ports",
    "legacy_ssl_ssl",
    "limits_resolution",
    "load_global_modules",
    "local_interfaces",
    "max_archive_query_results",
    "multiplex_buffer_size",
    "network_backend",
    "network_default_read_size",
    "network_settings",
    "no_daemonize",
    "plugin_server",
    "prosody_group",
    "prosody_user",
    "prosodyctl_timeout",
    "require_encryption",
    "run_as_root",
    "s2s_close_timeout",
    "s2s_direct_tls_ports",
    "s2s_insecure_domains",
    "s2s_interfaces",
    "s2s_ports",
    "s2s_require_encryption",
    "s2s_secure_auth",
    "s2s_secure_domains",
    "s2s_ssl",
    "s2s_stanza_size_limit",
    "s2s_tcp_keepalives",
    "s2s_timeout",
    "statistics",
    "statistics_config",
    "statistics_interval",
    "tcp_keepalives",
    "umask",
    "use_dane",
    "use_ipv4",
    "use_ipv6",
    "use_libevent",
    "vcard_compatibility",
};

template <std::size_t N> bool contains(const std::string_view (&list)[N], std::string_view name) {
    return std::find(std::begin(list), std::end(list), name) != std::end(list);
}

} // namespace

bool is_core_option(std::string_view name) {
    return contains(kCoreOptions, name);
}

bool is_ignored_prosody_option(std::string_view name) {
    return contains(kIgnoredProsodyOptions, name);
}

} // namespace cadenza::config
