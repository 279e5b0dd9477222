// The server process as an operator meets it: start, signals, pidfile, and refusals to start.
#include "server_process.hpp"
#include "test_config.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <csignal>
#include <filesystem>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace cadenza::test {
namespace {

TEST(Lifecycle, SigtermStopsGracefullyWithStatusZero) {
    TempDir dir;
    CadenzaServer server(dir, loopback_globals(free_port()) + "VirtualHost \"localhost\"\n");
    ASSERT_TRUE(server.wait_started()) << server.log();
    auto begin = std::chrono::steady_clock::now();
    auto status = server.stop(5s);
    ASSERT_TRUE(status.has_value()) << "no exit within 5 s\n" << server.log();
    EXPECT_EQ(*status, 0) << server.log();
    EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
    EXPECT_NE(server.log().find("server stopped"), std::string::npos) << server.log();
}

TEST(Lifecycle, SigintStopsToo) {
    TempDir dir;
    CadenzaServer server(dir, loopback_globals(free_port()));
    ASSERT_TRUE(server.wait_started()) << server.log();
    server.process().signal(SIGINT);
    auto status = server.process().wait_exit(5s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 0) << server.log();
}

TEST(Lifecycle, PidfileWrittenAndRemoved) {
    TempDir dir;
    CadenzaServer server(dir, loopback_globals(free_port()) + "pidfile = \"cadenza.pid\"\n");
    ASSERT_TRUE(server.wait_started()) << server.log();
    std::string pid = read_file(dir.file("cadenza.pid"));
    EXPECT_EQ(pid, std::to_string(server.process().pid()) + "\n");
    ASSERT_EQ(server.stop(), 0);
    EXPECT_FALSE(std::filesystem::exists(dir.file("cadenza.pid")));
}

TEST(Lifecycle, SighupReopensLogFile) {
    TempDir dir;
    CadenzaServer server(dir, loopback_globals(free_port()) +
                                  "log = { info = \"server.log\" }\n");
    ASSERT_TRUE(wait_until([&] { return read_file(dir.file("server.log")).find("server started") !=
                                        std::string::npos; },
                           20s))
        << server.log();
    // Rotate: move the file away, then HUP; the server must write to a new server.log.
    std::filesystem::rename(dir.file("server.log"), dir.file("server.log.1"));
    server.process().signal(SIGHUP);
    ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(dir.file("server.log")); }, 10s));
    ASSERT_EQ(server.stop(), 0);
    EXPECT_NE(read_file(dir.file("server.log")).find("server stopped"), std::string::npos);
    EXPECT_EQ(read_file(dir.file("server.log.1")).find("server stopped"), std::string::npos);
}

TEST(Lifecycle, PortInUseExitsOneWithReason) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(fd, 1), 0);
    ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    int port = ntohs(addr.sin_port);

    TempDir dir;
    CadenzaServer server(dir, loopback_globals(port));
    auto status = server.process().wait_exit(20s);
    ::close(fd);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 1);
    EXPECT_NE(server.log().find("127.0.0.1:" + std::to_string(port)), std::string::npos)
        << server.log();
    EXPECT_NE(server.log().find("in use"), std::string::npos) << server.log();
}

TEST(Lifecycle, ConfigSyntaxErrorExitsOneWithFileAndLine) {
    TempDir dir;
    CadenzaServer server(dir, "http_ports = { 5280 }\nthis is not lua\n");
    auto status = server.process().wait_exit(20s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 1);
    EXPECT_NE(server.log().find("cadenza.cfg.lua:2:"), std::string::npos) << server.log();
}

TEST(Lifecycle, MissingIncludeExitsOne) {
    TempDir dir;
    CadenzaServer server(dir, loopback_globals(free_port()) + "Include \"nothere.cfg.lua\"\n");
    auto status = server.process().wait_exit(20s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 1);
    EXPECT_NE(server.log().find("nothere.cfg.lua"), std::string::npos) << server.log();
}

TEST(Lifecycle, UnreadableCertificateExitsOne) {
    TempDir dir;
    CadenzaServer server(dir, loopback_globals(free_port()) + "https_ports = { " +
                                  std::to_string(free_port()) +
                                  " }\nhttps_ssl = { certificate = \"missing.crt\", key = "
                                  "\"missing.key\" }\n");
    auto status = server.process().wait_exit(20s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 1);
    EXPECT_NE(server.log().find("missing.crt"), std::string::npos) << server.log();
}

TEST(Lifecycle, UnsupportedStorageExitsOne) {
    TempDir dir;
    CadenzaServer server(dir, loopback_globals(free_port()) + "storage = \"mongodb\"\n");
    auto status = server.process().wait_exit(20s);
    ASSERT_TRUE(status.has_value());
    EXPECT_EQ(*status, 1);
    EXPECT_NE(server.log().find("mongodb"), std::string::npos) << server.log();
}

} // namespace
} // namespace cadenza::test
