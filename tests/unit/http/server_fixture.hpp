// An in-process HttpServer on a private event loop, and clients that take turns with it on the
// test's thread: whenever a client would wait, it runs the server's loop for a moment instead.
#pragma once

#include "http/http_server.hpp"
#include "http/router.hpp"
#include "http_client.hpp"

#include <event2/event.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace cadenza::http {

using namespace std::chrono_literals;

class ServerFixture : public ::testing::Test {
protected:
    void SetUp() override {
        base_ = event_base_new();
        ASSERT_NE(base_, nullptr);
        tick_ = event_new(
            base_, -1, 0, [](evutil_socket_t, short, void*) {}, nullptr);
    }

    void TearDown() override {
        server_.reset();
        event_free(tick_);
        event_base_free(base_);
    }

    void start(HttpLimits limits = {}, SSL_CTX* tls = nullptr,
               std::vector<ListenAddress> addresses = {{"127.0.0.1", 0, false}},
               unsigned write_threads = 1) {
        server_ = std::make_unique<HttpServer>(base_, router_, limits, tls, write_threads);
        server_->listen(addresses);
        ASSERT_FALSE(server_->bound_ports().empty());
        port_ = server_->bound_ports().front();
    }

    // Runs the server's loop until something happens or `max` passes.
    void pump(std::chrono::milliseconds max = 2ms) {
        timeval tv{0, static_cast<suseconds_t>(
                          std::chrono::duration_cast<std::chrono::microseconds>(max).count())};
        event_add(tick_, &tv);
        event_base_loop(base_, EVLOOP_ONCE);
        event_del(tick_);
    }

    // Runs the loop until `done` holds; false when `timeout` passed first.
    bool pump_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 3s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            if (std::chrono::steady_clock::now() >= deadline) {
                return false;
            }
            pump();
        }
        return true;
    }

    test::HttpClient::Options client_options(int receive_buffer = 0) {
        test::HttpClient::Options o;
        o.receive_buffer = receive_buffer;
        o.waiter = [this](int, short, std::chrono::milliseconds max) { pump(std::min(max, 2ms)); };
        return o;
    }

    std::unique_ptr<test::HttpClient> client(int receive_buffer = 0) {
        return std::make_unique<test::HttpClient>(port_, client_options(receive_buffer));
    }

    // One request on a fresh connection.
    test::HttpResponse get(std::string_view path, std::string_view host = "example.org",
                           std::string_view method = "GET") {
        auto c = client();
        c->send_request(method, path, host);
        return c->read_response(5s, method == "HEAD");
    }

    static void expect_not_html(const test::HttpResponse& r) {
        for (const auto& type : r.headers_named("Content-Type")) {
            EXPECT_EQ(type.find("html"), std::string::npos) << "status " << r.status;
        }
    }

    struct event_base* base_ = nullptr;
    struct event* tick_ = nullptr;
    Router router_;
    std::unique_ptr<HttpServer> server_;
    int port_ = 0;
};

} // namespace cadenza::http
