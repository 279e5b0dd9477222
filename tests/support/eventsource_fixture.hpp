// A fixture for the eventsource module tests: the real server with HTTP, HTTPS and XMPP on
// loopback ports it chose, accounts made with cadenzactl, libstrophe clients to publish, and
// SSE streams read with the raw HTTP client and the independent SSE parser.
#pragma once

#include "http_client.hpp"
#include "server_process.hpp"
#include "sse_parser.hpp"
#include "test_cert.hpp"
#include "test_config.hpp"
#include "xmpp_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cadenza::test {

class EventsourceFixture : public ::testing::Test {
protected:
    struct Stream {
        std::unique_ptr<HttpClient> client;
        HttpResponse head;
        SseParser parser;
    };
    using Headers = std::vector<std::pair<std::string, std::string>>;

    // Starts the server with the global options and `hosts` (host sections) after them, and
    // registers alice (password "secret").
    void start_server(const std::string& hosts) {
        http_port_ = free_port();
        https_port_ = free_port();
        c2s_port_ = free_port();
        cert_ = make_test_cert(dir_.path(), "localhost");
        config_ = loopback_globals(http_port_) + "https_ports = { " + std::to_string(https_port_) +
                  " }\n" + c2s_globals(c2s_port_) + ssl_globals(cert_) +
                  "VirtualHost \"localhost\"\n" + hosts;
        std::string cfg = dir_.write("cadenza.cfg.lua", config_);
        register_account("alice");
        restart_server();
    }

    void restart_server() {
        server_ = std::make_unique<CadenzaServer>(dir_, config_);
        ASSERT_TRUE(server_->wait_started()) << server_->log();
    }

    void register_account(const std::string& user) {
        RunResult r = run_program({env_path("CADENZACTL_BINARY"), "--config",
                                   dir_.file("cadenza.cfg.lua"), "register", user, "localhost",
                                   "secret"},
                                  dir_);
        ASSERT_EQ(r.status, 0) << r.output;
    }

    std::unique_ptr<XmppClient> login(const std::string& user) {
        XmppClientOptions options;
        options.ca_file = cert_.cert_file;
        auto client = std::make_unique<XmppClient>(c2s_port_, user + "@localhost", "secret",
                                                   options);
        XmppConnectResult r = client->connect();
        EXPECT_TRUE(r) << r.error << client->trace();
        return client;
    }

    Stream open(const std::string& path, const Headers& headers = {},
                HttpClient::Options options = {}) {
        Stream s;
        s.client = std::make_unique<HttpClient>(http_port_, std::move(options));
        s.client->send_request("GET", path, "localhost", headers);
        s.head = s.client->read_head();
        return s;
    }

    Stream open_https(const std::string& path, const Headers& headers = {}) {
        Stream s;
        s.client = std::make_unique<TlsHttpClient>(https_port_, "localhost", cert_.cert_file);
        s.client->send_request("GET", path, "localhost", headers);
        s.head = s.client->read_head();
        return s;
    }

    // Reads until the stream holds `n` events (or the deadline passes).
    static bool read_events(Stream& s, std::size_t n, std::chrono::milliseconds timeout = 10s) {
        return wait_until(
                   [&] {
                       s.parser.feed(s.client->read_some(20ms));
                       return s.parser.events().size() >= n || s.client->body_done();
                   },
                   timeout) &&
               s.parser.events().size() >= n;
    }

    // The response ends (last chunk, or the server closes the connection).
    static bool stream_ends(Stream& s, std::chrono::milliseconds timeout = 5s) {
        return wait_until(
            [&] {
                s.parser.feed(s.client->read_some(20ms));
                return s.client->body_done() || s.client->server_closed();
            },
            timeout);
    }

    static std::vector<std::string> ids(const Stream& s) {
        std::vector<std::string> out;
        for (const auto& e : s.parser.events()) {
            out.push_back(e.last_event_id);
        }
        return out;
    }

    static std::pair<std::string, std::string> basic(const std::string& jid,
                                                     const std::string& password);

    std::string next_id() { return std::to_string(++ids_); }

    TempDir dir_;
    TestCert cert_;
    std::string config_;
    int http_port_ = 0;
    int https_port_ = 0;
    int c2s_port_ = 0;
    int ids_ = 0;
    std::unique_ptr<CadenzaServer> server_;
};

inline std::pair<std::string, std::string> EventsourceFixture::basic(const std::string& jid,
                                                                     const std::string& password) {
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string in = jid + ":" + password;
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                     (static_cast<unsigned char>(in[i + 1]) << 8) |
                     static_cast<unsigned char>(in[i + 2]);
        for (int k = 3; k >= 0; --k) {
            out.push_back(kAlphabet[(v >> (6 * k)) & 63]);
        }
    }
    if (i < in.size()) {
        unsigned v = static_cast<unsigned char>(in[i]) << 16;
        if (i + 1 < in.size()) {
            v |= static_cast<unsigned char>(in[i + 1]) << 8;
        }
        out.push_back(kAlphabet[(v >> 18) & 63]);
        out.push_back(kAlphabet[(v >> 12) & 63]);
        out.push_back(i + 1 < in.size() ? kAlphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
    return {"Authorization", "Basic " + out};
}

} // namespace cadenza::test
