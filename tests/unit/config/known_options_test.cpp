#include "config/known_options.hpp"

#include <gtest/gtest.h>

namespace cadenza::config {
namespace {

TEST(KnownOptions, CoreOptions) {
    for (const char* name : {"plugin_paths",
                             "modules_enabled",
                             "modules_disabled",
                             "data_path",
                             "log",
                             "pidfile",
                             "http_ports",
                             "http_interfaces",
                             "https_ports",
                             "https_interfaces",
                             "https_ssl",
                             "ssl",
                             "http_host",
                             "http_paths",
                             "http_default_host",
                             "http_max_content_size",
                             "http_max_header_size",
                             "http_request_timeout",
                             "http_max_connections",
                             "storage",
                             "sql",
                             "authentication",
                             "enabled",
                             "component_module",
                             "admins",
                             "c2s_ports",
                             "c2s_require_encryption",
                             "certificates"}) {
        EXPECT_TRUE(is_core_option(name)) << name;
        EXPECT_FALSE(is_ignored_prosody_option(name)) << name;
    }
}

TEST(KnownOptions, IgnoredProsodyOptions) {
    for (const char* name :
         {"daemonize", "use_libevent", "network_backend", "s2s_ports", "s2s_secure_auth",
          "component_ports", "contact_info", "archive_expires_after", "default_storage"}) {
        EXPECT_TRUE(is_ignored_prosody_option(name)) << name;
        EXPECT_FALSE(is_core_option(name)) << name;
    }
}

TEST(KnownOptions, UnknownNamesAreNeither) {
    for (const char* name : {"", "http_port", "modules_enable", "eventsource_keepalive"}) {
        EXPECT_FALSE(is_core_option(name)) << name;
        EXPECT_FALSE(is_ignored_prosody_option(name)) << name;
    }
}

} // namespace
} // namespace cadenza::config
