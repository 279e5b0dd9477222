#include "config/config.hpp"
#include "server/listen_config.hpp"

#include <gtest/gtest.h>

namespace cadenza {
namespace {

HttpPlan plan(std::string_view text) {
    config::Config cfg = config::load_config_string(text, "/srv/c.cfg.lua", "/srv");
    config::SectionOptions global(nullptr, cfg.global);
    return plan_http(global, "/srv/c.cfg.lua", {"example.org"});
}

TEST(ListenConfig, ProsodyDefaults) {
    HttpPlan p = plan("");
    ASSERT_EQ(p.addresses.size(), 2U);
    EXPECT_EQ(p.addresses[0].interface, "*");
    EXPECT_EQ(p.addresses[0].port, 5280);
    EXPECT_EQ(p.addresses[1].interface, "::");
    EXPECT_FALSE(p.tls.has_value()); // no certificate: no https listeners
    EXPECT_FALSE(p.tls_note.empty());
    EXPECT_EQ(p.limits.max_header_bytes, 16U * 1024);
}

TEST(ListenConfig, PortsTimesInterfacesAndHttps) {
    HttpPlan p = plan("http_ports = { 8080, 8081 }\nhttp_interfaces = { \"127.0.0.1\" }\n"
                      "https_ports = 8443\nhttps_ssl = { certificate = \"c.crt\", key = \"c.key\" }\n");
    ASSERT_EQ(p.addresses.size(), 3U);
    EXPECT_EQ(p.addresses[1].port, 8081);
    EXPECT_TRUE(p.addresses[2].tls);
    EXPECT_EQ(p.addresses[2].interface, "127.0.0.1"); // https_interfaces defaults to http's
    ASSERT_TRUE(p.tls.has_value());
    EXPECT_EQ(p.tls->certificate, "/srv/c.crt");
}

TEST(ListenConfig, SslFallbackAndEmptyHttpsPorts) {
    EXPECT_TRUE(plan("ssl = { certificate = \"a\", key = \"b\" }\n").tls.has_value());
    HttpPlan p = plan("https_ports = { }\nssl = { certificate = \"a\", key = \"b\" }\n");
    EXPECT_FALSE(p.tls.has_value());
    for (const auto& a : p.addresses) {
        EXPECT_FALSE(a.tls);
    }
}

TEST(ListenConfig, BadPortsAreConfigErrors) {
    EXPECT_THROW(plan("http_ports = { \"eighty\" }\n"), ConfigError);
    EXPECT_THROW(plan("http_ports = { 70000 }\n"), ConfigError);
    EXPECT_THROW(plan("https_ssl = { certificate = 1 }\n"), ConfigError);
}

TEST(ListenConfig, LimitsAreClampedToTheirBounds) {
    HttpPlan p = plan("http_max_header_size = 10\nhttp_request_timeout = 5\n");
    EXPECT_EQ(p.limits.max_header_bytes, 1024U);
    EXPECT_EQ(p.limits.request_timeout_seconds, 5);
}

} // namespace
} // namespace cadenza
