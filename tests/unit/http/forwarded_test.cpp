#include "http/forwarded.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace cadenza::http {
namespace {

TEST(TrustedProxiesTest, AddressesAndRanges) {
    TrustedProxies p = TrustedProxies::parse({"192.0.2.10", "10.0.0.0/8", "fd00::/8", " ::1 ",
                                              "172.16.0.0/12"});
    EXPECT_TRUE(p.contains("192.0.2.10"));
    EXPECT_FALSE(p.contains("192.0.2.11"));
    EXPECT_TRUE(p.contains("10.255.1.2"));
    EXPECT_FALSE(p.contains("11.0.0.1"));
    EXPECT_TRUE(p.contains("172.31.255.255")); // /12: a prefix that ends inside a byte
    EXPECT_FALSE(p.contains("172.32.0.1"));
    EXPECT_TRUE(p.contains("fd12:3456::1"));
    EXPECT_FALSE(p.contains("fe80::1"));
    EXPECT_TRUE(p.contains("::1"));
    EXPECT_FALSE(p.contains("::ffff:10.0.0.1")); // another family: not the IPv4 range
    EXPECT_FALSE(p.contains("not an address"));
    EXPECT_FALSE(p.contains(""));
}

TEST(TrustedProxiesTest, LoopbackIsTheDefaultAndEmptyTrustsNobody) {
    TrustedProxies loopback = TrustedProxies::loopback();
    EXPECT_TRUE(loopback.contains("127.0.0.1"));
    EXPECT_TRUE(loopback.contains("::1"));
    EXPECT_FALSE(loopback.contains("127.0.0.2"));
    TrustedProxies none = TrustedProxies::parse({});
    EXPECT_TRUE(none.empty());
    EXPECT_FALSE(none.contains("127.0.0.1"));
}

TEST(TrustedProxiesTest, BadEntriesAreNamed) {
    for (const char* bad : {"proxy.example.org", "10.0.0.0/33", "::/129", "10.0.0.0/", "1.2.3.4/x",
                            "10.0.0.0/-1", ""}) {
        try {
            TrustedProxies::parse({bad});
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const std::invalid_argument& e) {
            EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos)
                << e.what();
        }
    }
}

TEST(ClientOriginTest, HeadersFromAnUntrustedPeerAreIgnored) {
    TrustedProxies p = TrustedProxies::loopback();
    ClientOrigin o = client_origin("198.51.100.7", false, p, "203.0.113.5", "https");
    EXPECT_EQ(o.address, "198.51.100.7");
    EXPECT_FALSE(o.secure);
    EXPECT_TRUE(client_origin("198.51.100.7", true, p, std::nullopt, std::nullopt).secure);
}

TEST(ClientOriginTest, TheRightMostUntrustedHopIsTheClient) {
    TrustedProxies p = TrustedProxies::parse({"127.0.0.1", "10.0.0.0/8"});
    // The client sent a forged entry; the proxy appended what it saw.
    ClientOrigin o = client_origin("127.0.0.1", false, p, "1.1.1.1, 203.0.113.5", std::nullopt);
    EXPECT_EQ(o.address, "203.0.113.5");
    // Two proxies: the inner one's address is skipped.
    EXPECT_EQ(client_origin("127.0.0.1", false, p, "203.0.113.5,10.1.2.3", std::nullopt).address,
              "203.0.113.5");
    // Every hop trusted: the left-most.
    EXPECT_EQ(client_origin("127.0.0.1", false, p, "10.9.9.9 , 10.1.2.3", std::nullopt).address,
              "10.9.9.9");
    // Normalised, IPv6 too.
    EXPECT_EQ(client_origin("127.0.0.1", false, p, "2001:DB8:0::1", std::nullopt).address,
              "2001:db8::1");
    // Garbage ends the walk at the hop before it.
    EXPECT_EQ(client_origin("127.0.0.1", false, p, "203.0.113.5, unknown", std::nullopt).address,
              "127.0.0.1");
    EXPECT_EQ(client_origin("127.0.0.1", false, p, "junk, 10.1.2.3", std::nullopt).address,
              "10.1.2.3");
    EXPECT_EQ(client_origin("127.0.0.1", false, p, "", std::nullopt).address, "127.0.0.1");
}

TEST(ClientOriginTest, ForwardedProtoHttpsMakesTheRequestSecure) {
    TrustedProxies p = TrustedProxies::loopback();
    EXPECT_TRUE(client_origin("127.0.0.1", false, p, std::nullopt, "https").secure);
    EXPECT_TRUE(client_origin("127.0.0.1", false, p, std::nullopt, " HTTPS ").secure);
    EXPECT_FALSE(client_origin("127.0.0.1", false, p, std::nullopt, "http").secure);
    EXPECT_FALSE(client_origin("127.0.0.1", false, p, std::nullopt, "https, http").secure);
    EXPECT_FALSE(client_origin("127.0.0.1", false, p, std::nullopt, std::nullopt).secure);
}

} // namespace
} // namespace cadenza::http
