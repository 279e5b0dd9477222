// A real EventSource implementation no one here wrote, the npm `eventsource` package under
// Node, against mod_pubsub_eventsource: it receives events, reconnects by itself after the
// server closed the stream and resumes with Last-Event-ID without loss, and sees the HTTP
// status of a refused stream. (scripts/test.sh installs the package into tests/node.)
#include "eventsource_fixture.hpp"
#include "pubsub_helpers.hpp"

#include <gtest/gtest.h>

#include <regex>

namespace cadenza::test {
namespace {

class NpmEventsourceTest : public EventsourceFixture {
protected:
    void SetUp() override {
        start_server("Component \"pubsub.localhost\" \"pubsub\"\n"
                     "  modules_enabled = { \"pubsub_eventsource\" }\n"
                     "  http_host = \"localhost\"\n"
                     "  eventsource_retry = 200\n");
        alice_ = login("alice");
    }

    void publish(std::string_view node, std::string_view id) {
        Stanza r = alice_->request("<iq type='set' to='pubsub.localhost' id='p" + next_id() +
                                   "'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                                   "<publish node='" + std::string(node) + "'><item id='" +
                                   std::string(id) + "'><n xmlns='urn:t'>" + std::string(id) +
                                   "</n></item></publish></pubsub></iq>");
        ASSERT_EQ(r.attr("type"), "result") << r.serialize();
    }

    void create(std::string_view node, std::string_view access_model = "open") {
        create_node_ok(*alice_, node,
                       node_config_form({{"pubsub#access_model", std::string(access_model)}}));
    }

    std::unique_ptr<Process> node(const std::string& mode, const std::string& path,
                                  const std::string& count, const std::string& out) {
        std::string url = "http://localhost:" + std::to_string(http_port_) + path;
        return std::make_unique<Process>(
            std::vector<std::string>{"/usr/bin/env", "node",
                                     env_path("CADENZA_NODE_DIR") + "/eventsource_client.mjs", mode,
                                     url, count},
            dir_.file(out));
    }

    static std::vector<std::string> received_ids(const std::string& output) {
        std::vector<std::string> ids;
        std::regex line("\\{\"id\":\"([^\"]*)\"");
        for (auto it = std::sregex_iterator(output.begin(), output.end(), line);
             it != std::sregex_iterator(); ++it) {
            ids.push_back((*it)[1]);
        }
        return ids;
    }

    std::unique_ptr<XmppClient> alice_;
};

TEST_F(NpmEventsourceTest, ReceivesReconnectsAndResumesWithoutLoss) {
    create("news");
    publish("news", "before");
    auto client = node("events", "/eventsource/news", "3", "node-events.out");
    ASSERT_TRUE(client->wait_for_output("{\"open\":true}", 20s)) << client->output();
    publish("news", "i1");
    publish("news", "i2");
    ASSERT_TRUE(client->wait_for_output("\"i2\"", 10s)) << client->output();

    // The server goes away: the client sees its stream end and reconnects by itself.
    alice_.reset();
    ASSERT_EQ(server_->stop(), 0);
    ASSERT_TRUE(client->wait_for_output("{\"error\"", 10s)) << client->output();
    restart_server();
    alice_ = login("alice");
    publish("news", "i3");

    auto status = client->wait_exit(20s);
    ASSERT_TRUE(status.has_value()) << client->output();
    EXPECT_EQ(*status, 0) << client->output();
    // Every event exactly once, in order: the reconnection sent Last-Event-ID: i2.
    EXPECT_EQ(received_ids(client->output()), (std::vector<std::string>{"i1", "i2", "i3"}))
        << client->output();
}

TEST_F(NpmEventsourceTest, SeesTheStatusOfRefusedStreams) {
    create("private", "whitelist");
    for (auto [path, code] : std::vector<std::pair<std::string, std::string>>{
             {"/eventsource/missing", "404"}, {"/eventsource/private", "401"}}) {
        auto client = node("status", path, "0", "node-status-" + code + ".out");
        auto status = client->wait_exit(20s);
        ASSERT_TRUE(status.has_value()) << client->output();
        EXPECT_NE(client->output().find("{\"error\":" + code + "}"), std::string::npos)
            << path << ": " << client->output();
    }
    // Credentials over plain HTTP: 403.
    std::string url_path = "/eventsource/private";
    auto client = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/env", "node",
                                 env_path("CADENZA_NODE_DIR") + "/eventsource_client.mjs",
                                 "status",
                                 "http://localhost:" + std::to_string(http_port_) + url_path, "0",
                                 "alice@localhost:secret"},
        dir_.file("node-status-403.out"));
    ASSERT_TRUE(client->wait_exit(20s).has_value());
    EXPECT_NE(client->output().find("{\"error\":403}"), std::string::npos) << client->output();
}

} // namespace
} // namespace cadenza::test
