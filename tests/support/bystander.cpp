#include "bystander.hpp"

#include "pubsub_helpers.hpp"
#include "test_config.hpp"

#include <iostream>

namespace cadenza::test {

void connect_bystander(int c2s_port, const std::string& ca_file,
                       std::unique_ptr<XmppClient>& alice) {
    XmppClientOptions options;
    options.ca_file = ca_file;
    options.resource = "bystander";
    alice = std::make_unique<XmppClient>(c2s_port, "alice@localhost", "secret", options);
    XmppConnectResult login = alice->connect();
    ASSERT_TRUE(login) << login.error << alice->trace();
    ASSERT_NO_FATAL_FAILURE(create_node_ok(*alice, "watch"));
}

WatchedServer::WatchedServer(Stream stream)
    : stream_(stream), http_port_(free_port()), https_port_(free_port()), c2s_port_(free_port()) {
    cert_ = make_test_cert(dir_.path(), "localhost");
}

std::string WatchedServer::config(const std::string& globals) const {
    std::string https = stream_ == Stream::kHttps
                            ? "https_ports = { " + std::to_string(https_port_) + " }\n"
                            : std::string();
    return loopback_globals(http_port_) + https + c2s_globals(c2s_port_) + ssl_globals(cert_) +
           globals +
           "VirtualHost \"localhost\"\n"
           "  modules_enabled = { \"example\" }\n"
           "Component \"pubsub.localhost\" \"pubsub\"\n"
           "  modules_enabled = { \"pubsub_eventsource\" }\n"
           "  http_host = \"localhost\"\n";
}

void WatchedServer::start(const std::string& config) {
    ASSERT_EQ(register_accounts(dir_, config, {"alice"}), "");
    server_ = std::make_unique<CadenzaServer>(dir_, config);
    ASSERT_TRUE(server_->wait_started()) << server_->log();

    ASSERT_NO_FATAL_FAILURE(connect_bystander(c2s_port_, cert_.cert_file, alice_));
    sse_ = http_client();
    sse_->send_request("GET", "/eventsource/watch", "localhost");
    HttpResponse head = sse_->read_head();
    ASSERT_EQ(head.status, 200) << head.body;
    ready_ = true;
}

void WatchedServer::expect_still_served() {
    ASSERT_TRUE(server_->process().running()) << server_->log();
    std::string id = "check-" + std::to_string(++checks_);
    Stanza pong = alice_->request("<iq type='get' to='localhost' id='ping" + id +
                                  "'><ping xmlns='urn:xmpp:ping'/></iq>");
    EXPECT_EQ(pong.attr("type"), "result") << alice_->trace();
    Stanza published = alice_->request(
        "<iq type='set' to='pubsub.localhost' id='pub" + id +
        "'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='watch'><item id='" +
        id + "'><n xmlns='urn:test'>" + id + "</n></item></publish></pubsub></iq>");
    EXPECT_EQ(published.attr("type"), "result") << alice_->trace();
    bool arrived = wait_until(
        [&] {
            parser_.feed(sse_->read_some(20ms));
            return !parser_.events().empty() || sse_->body_done();
        },
        10s);
    ASSERT_TRUE(arrived && !parser_.events().empty()) << "the SSE stream got nothing";
    EXPECT_EQ(parser_.take_events().back().last_event_id, id);

    std::unique_ptr<HttpClient> fresh = http_client();
    fresh->send_request("GET", "/example/hello", "localhost");
    EXPECT_EQ(fresh->read_response().status, 200);
}

std::unique_ptr<HttpClient> WatchedServer::http_client() const {
    if (stream_ == Stream::kHttps) {
        return std::make_unique<TlsHttpClient>(https_port_, "localhost", cert_.cert_file);
    }
    return std::make_unique<HttpClient>(http_port_);
}

void WatchedServer::print_log_tail() const {
    constexpr std::size_t kTail = 20000;
    std::string log = server_ ? server_->log() : std::string();
    std::cerr << "--- server log (tail) ---\n"
              << log.substr(log.size() > kTail ? log.size() - kTail : 0) << "\n";
}

void WatchedServer::stop() {
    if (!server_) {
        return;
    }
    sse_.reset();
    alice_.reset();
    expect_clean_stop(*server_);
    server_.reset();
}

} // namespace cadenza::test
