#include "config/config.hpp"
#include "http/connection_limits.hpp"
#include "server/listen_config.hpp"
#include "xmpp/read_limits.hpp"

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

TEST(ListenConfig, TrustedProxies) {
    EXPECT_TRUE(plan("").trusted_proxies.contains("::1")); // Prosody's default: loopback
    HttpPlan p = plan("trusted_proxies = { \"10.0.0.0/8\", \"192.0.2.1\" }\n");
    EXPECT_TRUE(p.trusted_proxies.contains("10.3.2.1"));
    EXPECT_FALSE(p.trusted_proxies.contains("127.0.0.1"));
    EXPECT_TRUE(plan("trusted_proxies = {}\n").trusted_proxies.empty());
    try {
        plan("trusted_proxies = { \"10.0.0.0/8\", \"proxy.example.org\" }\n");
        ADD_FAILURE() << "a host name was accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("trusted_proxies"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("proxy.example.org"), std::string::npos) << e.what();
    }
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

xmpp::ReadLimits read_limits(std::string_view text) {
    config::Config cfg = config::load_config_string(text, "/srv/c.cfg.lua", "/srv");
    config::SectionOptions global(nullptr, cfg.global);
    return xmpp::read_read_limits(global);
}

TEST(ReadLimits, DefaultsLimitOnlyUnauthenticatedClients) {
    xmpp::ReadLimits l = read_limits("");
    EXPECT_EQ(l.unauthenticated.bytes_per_second, 10000U);
    EXPECT_EQ(l.unauthenticated.burst_bytes(), 300000U);
    EXPECT_EQ(l.authenticated.bytes_per_second, 0U); // as Prosody: no limit unless configured
}

TEST(ReadLimits, ProsodySyntax) {
    xmpp::ReadLimits l = read_limits(
        "limits = { c2s = { rate = \"3kb/s\"; burst = \"2s\" }; s2sin = { rate = \"10kb/s\" } }\n");
    EXPECT_EQ(l.authenticated.bytes_per_second, 3000U);
    EXPECT_EQ(l.authenticated.burst_bytes(), 6000U);
    EXPECT_EQ(l.unauthenticated.bytes_per_second, 10000U); // untouched

    l = read_limits("limits = { c2s_unauthed = { rate = 500; burst = 0.5 }; c2s = { burst = \"4s\" } }\n");
    EXPECT_EQ(l.unauthenticated.bytes_per_second, 500U);
    EXPECT_EQ(l.unauthenticated.burst_bytes(), 250U);
    EXPECT_EQ(l.authenticated.bytes_per_second, 0U);
    EXPECT_DOUBLE_EQ(l.authenticated.burst_seconds, 4);
}

TEST(ReadLimits, RatesAndBursts) {
    EXPECT_EQ(xmpp::parse_rate("10kb/s"), 10000U);
    EXPECT_EQ(xmpp::parse_rate("10 KB/s"), 10000U);
    EXPECT_EQ(xmpp::parse_rate("3000b/s"), 3000U);
    EXPECT_EQ(xmpp::parse_rate("2mb/s"), 2000000U);
    EXPECT_EQ(xmpp::parse_rate("0b/s"), 0U);
    for (const char* bad : {"", "fast", "10kb", "kb/s", "10xb/s", "-1kb/s", "1.5kb/s",
                            "99999999999999gb/s"}) {
        EXPECT_FALSE(xmpp::parse_rate(bad).has_value()) << bad;
    }
    EXPECT_EQ(xmpp::parse_burst("2s"), 2.0);
    EXPECT_EQ(xmpp::parse_burst(" 0.5 s"), 0.5);
    for (const char* bad : {"", "2", "s", "-1s", "2m", "nans"}) {
        EXPECT_FALSE(xmpp::parse_burst(bad).has_value()) << bad;
    }
}

TEST(ReadLimits, MistakesAreConfigErrorsNamingTheOption) {
    for (const char* text : {"limits = { c2s = { rate = \"fast\" } }\n",
                             "limits = { c2s = { burst = \"forever\" } }\n",
                             "limits = { c2s = { burst = 7200 } }\n",
                             "limits = { c2s = { rates = \"1kb/s\" } }\n",
                             "limits = { c2 = { rate = \"1kb/s\" } }\n",
                             "limits = { c2s = \"1kb/s\" }\n",
                             "limits = { \"c2s\" }\n",
                             "limits = 5\n"}) {
        try {
            read_limits(text);
            ADD_FAILURE() << "accepted: " << text;
        } catch (const ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find("limits"), std::string::npos) << e.what();
        }
    }
}

TEST(ConnectionCaps, DerivedFromTheFileLimitAndTogetherWithinIt) {
    for (std::uint64_t files : {0ULL, 100ULL, 1024ULL, 20000ULL, 1048576ULL}) {
        http::ConnectionCaps caps = http::default_connection_caps(files);
        EXPECT_GE(caps.c2s, 16U) << files;
        EXPECT_GE(caps.http, 48U) << files;
        if (files >= 1024) {
            EXPECT_LE(caps.http + caps.c2s + 64, files) << files;
            EXPECT_GE(caps.http, caps.c2s * 2) << files;
        }
    }
    EXPECT_EQ(http::default_connection_caps(1024).c2s, 240U);
    EXPECT_EQ(http::default_connection_caps(1024).http, 720U);
}

} // namespace
} // namespace cadenza
