// mod_pubsub_eventsource against the real server: items published by a libstrophe client
// arrive on Server-Sent Event streams read by the raw HTTP client and parsed by the
// independent SSE parser. Every parity point with Prosody's module and every point beyond it.
#include "eventsource_fixture.hpp"
#include "pubsub_helpers.hpp"

#include <gtest/gtest.h>

namespace cadenza::test {
namespace {

class PubsubEventsourceTest : public EventsourceFixture {
protected:
    void start(const std::string& component_options = "") {
        start_server("Component \"pubsub.localhost\" \"pubsub\"\n"
                     "  modules_enabled = { \"pubsub_eventsource\" }\n"
                     "  http_host = \"localhost\"\n" +
                     component_options);
        alice_ = login("alice");
    }

    // Creates a node, optionally with an access model.
    void create(std::string_view node, std::string_view access_model = {}) {
        create_node_ok(*alice_, node,
                       access_model.empty() ? std::string()
                                            : node_config_form({{"pubsub#access_model",
                                                                 std::string(access_model)}}));
    }

    void publish(std::string_view node, std::string_view id, std::string_view payload) {
        Stanza r = alice_->request("<iq type='set' to='pubsub.localhost' id='p" + next_id() +
                                   "'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                                   "<publish node='" +
                                   std::string(node) + "'><item id='" + std::string(id) + "'>" +
                                   std::string(payload) + "</item></publish></pubsub></iq>");
        ASSERT_EQ(r.attr("type"), "result") << r.serialize();
    }

    void owner_op(std::string_view body) {
        Stanza r = alice_->request("<iq type='set' to='pubsub.localhost' id='o" + next_id() +
                                   "'><pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>" +
                                   std::string(body) + "</pubsub></iq>");
        ASSERT_EQ(r.attr("type"), "result") << r.serialize();
    }

    std::unique_ptr<XmppClient> alice_;
};

const char* kEntry = "<entry xmlns='http://www.w3.org/2005/Atom'><title>Hello</title></entry>";

TEST_F(PubsubEventsourceTest, ItemsArriveAsEventsWithProsodysHeadersAndPayload) {
    start();
    create("news");
    Stream s = open("/eventsource/news");
    ASSERT_EQ(s.head.status, 200) << s.head.body;
    EXPECT_EQ(s.head.header("Content-Type").value_or(""), "text/event-stream");
    EXPECT_EQ(s.head.header("Access-Control-Allow-Origin").value_or(""), "*");
    EXPECT_EQ(s.head.header("Access-Control-Allow-Methods").value_or(""), "GET");
    EXPECT_EQ(s.head.header("Access-Control-Max-Age").value_or(""), "7200");

    publish("news", "first", kEntry);
    publish("news", "json", "<json xmlns='urn:xmpp:json:0'>{\"a\": [1, 2]}</json>");
    publish("news", "data", "<data xmlns='https://prosody.im/protocol/data'>line one\nline two</data>");
    ASSERT_TRUE(read_events(s, 3)) << server_->log();
    auto events = s.parser.take_events();
    EXPECT_EQ(s.parser.retry(), 3000U);
    EXPECT_EQ(events[0].last_event_id, "first");
    EXPECT_EQ(events[0].data, kEntry);
    EXPECT_EQ(events[1].data, "{\"a\": [1, 2]}");
    EXPECT_EQ(events[2].data, "line one\nline two");
    EXPECT_EQ(events[2].type, "message");
}

TEST_F(PubsubEventsourceTest, AClosedClientIsForgottenAndTheOthersKeepReceiving) {
    start();
    create("news");
    Stream leaving = open("/eventsource/news");
    Stream staying = open("/eventsource/news");
    leaving.client->close();
    publish("news", "a", kEntry);
    publish("news", "b", kEntry);
    ASSERT_TRUE(read_events(staying, 2));
    EXPECT_EQ(staying.parser.events()[1].last_event_id, "b");
}

TEST_F(PubsubEventsourceTest, LastEventIdReplaysWhatWasMissedThenLiveEvents) {
    start();
    create("news");
    for (const char* id : {"i1", "i2", "i3"}) {
        publish("news", id, "<n xmlns='urn:t'>" + std::string(id) + "</n>");
    }
    Stream header = open("/eventsource/news", {{"Last-Event-ID", "i1"}});
    Stream query = open("/eventsource/news?lastEventId=i2");
    Stream unknown = open("/eventsource/news", {{"Last-Event-ID", "gone"}});
    publish("news", "i4", "<n xmlns='urn:t'>i4</n>");

    ASSERT_TRUE(read_events(header, 3));
    EXPECT_EQ(ids(header), (std::vector<std::string>{"i2", "i3", "i4"}));
    ASSERT_TRUE(read_events(query, 2));
    EXPECT_EQ(ids(query), (std::vector<std::string>{"i3", "i4"}));
    ASSERT_TRUE(read_events(unknown, 4));
    EXPECT_EQ(ids(unknown), (std::vector<std::string>{"i1", "i2", "i3", "i4"}));
}

TEST_F(PubsubEventsourceTest, RetractPurgeAndDeleteAreTypedEvents) {
    start();
    create("news");
    publish("news", "a", kEntry);
    Stream s = open("/eventsource/news");
    Stanza r = alice_->request("<iq type='set' to='pubsub.localhost' id='r1'><pubsub "
                               "xmlns='http://jabber.org/protocol/pubsub'><retract node='news' "
                               "notify='true'><item id='a'/></retract></pubsub></iq>");
    ASSERT_EQ(r.attr("type"), "result") << r.serialize();
    owner_op("<purge node='news'/>");
    owner_op("<delete node='news'/>");
    ASSERT_TRUE(read_events(s, 3)) << s.parser.events().size();
    auto events = s.parser.events();
    EXPECT_EQ(events[0].type, "retract");
    EXPECT_EQ(events[0].data, "a");
    EXPECT_EQ(events[1].type, "purge");
    EXPECT_EQ(events[1].data, "news");
    EXPECT_EQ(events[2].type, "delete");
    EXPECT_TRUE(stream_ends(s)) << "the stream of a deleted node ends";
}

TEST_F(PubsubEventsourceTest, UnknownNodeIs404UntilItIsCreated) {
    start();
    Stream missing = open("/eventsource/later");
    EXPECT_EQ(missing.head.status, 404);
    EXPECT_EQ(missing.head.header("Content-Type").value_or(""), "text/plain; charset=utf-8");
    create("later");
    Stream now = open("/eventsource/later");
    EXPECT_EQ(now.head.status, 200);
}

TEST_F(PubsubEventsourceTest, PrivateNodesNeedAuthenticationOverHttps) {
    start();
    register_account("bob");
    create("secret", "whitelist");

    Stream anonymous = open("/eventsource/secret");
    EXPECT_EQ(anonymous.head.status, 401);
    EXPECT_NE(anonymous.head.header("WWW-Authenticate").value_or("").find("Basic"),
              std::string::npos);

    Stream cleartext = open("/eventsource/secret", {basic("alice@localhost", "secret")});
    EXPECT_EQ(cleartext.head.status, 403) << "credentials over plain HTTP are refused";

    Stream owner = open_https("/eventsource/secret", {basic("alice@localhost", "secret")});
    EXPECT_EQ(owner.head.status, 200);
    Stream wrong = open_https("/eventsource/secret", {basic("alice@localhost", "nope")});
    EXPECT_EQ(wrong.head.status, 401);
    Stream stranger = open_https("/eventsource/secret", {basic("bob@localhost", "secret")});
    EXPECT_EQ(stranger.head.status, 403);

    publish("secret", "s1", kEntry);
    ASSERT_TRUE(read_events(owner, 1));
}

TEST_F(PubsubEventsourceTest, InsecureAuthCanBeAllowed) {
    start("  eventsource_allow_insecure_auth = true\n");
    create("secret", "whitelist");
    Stream s = open("/eventsource/secret", {basic("alice@localhost", "secret")});
    EXPECT_EQ(s.head.status, 200);
}

TEST_F(PubsubEventsourceTest, IdleStreamsGetKeepAlives) {
    start("  eventsource_keepalive = 1\n");
    create("quiet");
    Stream s = open("/eventsource/quiet");
    ASSERT_TRUE(wait_until(
        [&] {
            s.parser.feed(s.client->read_some(50ms));
            return s.parser.comments() >= 1;
        },
        5s));
}

TEST_F(PubsubEventsourceTest, CorsAllowListAndPreflight) {
    start("  eventsource_cors_origins = { \"https://app.example\" }\n");
    create("news");
    Stream listed = open("/eventsource/news", {{"Origin", "https://app.example"}});
    EXPECT_EQ(listed.head.header("Access-Control-Allow-Origin").value_or(""),
              "https://app.example");
    EXPECT_EQ(listed.head.header("Access-Control-Allow-Credentials").value_or(""), "true");
    Stream other = open("/eventsource/news", {{"Origin", "https://evil.example"}});
    EXPECT_FALSE(other.head.header("Access-Control-Allow-Origin").has_value());

    HttpClient preflight(http_port_);
    preflight.send_request("OPTIONS", "/eventsource/news", "localhost",
                           {{"Origin", "https://app.example"},
                            {"Access-Control-Request-Method", "GET"}});
    HttpResponse r = preflight.read_response();
    EXPECT_EQ(r.status, 204);
    EXPECT_EQ(r.header("Access-Control-Allow-Origin").value_or(""), "https://app.example");
    EXPECT_NE(r.header("Access-Control-Allow-Headers").value_or("").find("Last-Event-ID"),
              std::string::npos);
}

TEST_F(PubsubEventsourceTest, ASlowReaderIsClosedAndTheOthersGetEverything) {
    start("  eventsource_max_buffer = 65536\n");
    create("firehose");
    HttpClient::Options small;
    small.receive_buffer = 4096;
    Stream slow = open("/eventsource/firehose", {}, small); // never read again
    Stream fast = open("/eventsource/firehose");
    std::string payload = "<blob xmlns='urn:t'>" + std::string(32 * 1024, 'x') + "</blob>";
    // 10 MiB in all: more than the kernel's socket buffers can hide from the server. Sent in
    // batches of 20 publishes in flight, the fast reader draining its stream in between.
    constexpr int kBatches = 16;
    constexpr int kBatch = 20;
    int published = 0;
    for (int b = 0; b < kBatches; ++b) {
        for (int i = 0; i < kBatch; ++i) {
            alice_->send("<iq type='set' to='pubsub.localhost' id='f" + std::to_string(published + i) +
                         "'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish "
                         "node='firehose'><item id='i" + std::to_string(published + i) + "'>" +
                         payload + "</item></publish></pubsub></iq>");
        }
        for (int i = 0; i < kBatch; ++i) {
            std::string id = "f" + std::to_string(published + i);
            Stanza r = alice_->wait_for([&](const Stanza& st) { return st.attr("id") == id; }, 20s);
            ASSERT_EQ(r.attr("type"), "result") << id;
        }
        published += kBatch;
        for (std::string d = fast.client->read_some(20ms); !d.empty();
             d = fast.client->read_some(20ms)) {
            fast.parser.feed(d);
        }
    }
    ASSERT_TRUE(slow.client->wait_closed(10s)) << "the slow stream was not closed";
    ASSERT_TRUE(read_events(fast, static_cast<std::size_t>(published), 30s))
        << fast.parser.events().size() << " of " << published;
    for (int i = 0; i < published; ++i) {
        ASSERT_EQ(fast.parser.events()[static_cast<std::size_t>(i)].last_event_id,
                  "i" + std::to_string(i));
    }
}

TEST_F(PubsubEventsourceTest, SeveralNodesInOneStreamAndJsonFormat) {
    start();
    create("a");
    create("b");
    Stream both = open("/eventsource/?node=a&node=b");
    Stream json = open("/eventsource/a?format=json");
    publish("a", "a1", "<n xmlns='urn:t'>one</n>");
    publish("b", "b1", "<n xmlns='urn:t'>two</n>");
    ASSERT_TRUE(read_events(both, 2));
    EXPECT_EQ(both.parser.events()[0].data,
              "{\"node\":\"a\",\"id\":\"a1\",\"payload\":\"<n xmlns='urn:t'>one</n>\"}");
    EXPECT_EQ(both.parser.events()[1].data,
              "{\"node\":\"b\",\"id\":\"b1\",\"payload\":\"<n xmlns='urn:t'>two</n>\"}");
    ASSERT_TRUE(read_events(json, 1));
    EXPECT_EQ(json.parser.events()[0].last_event_id, "a1");

    // Resuming a multi-node stream after a1 brings b1 only.
    Stream resumed = open("/eventsource/?node=a&node=b", {{"Last-Event-ID", "a1"}});
    ASSERT_TRUE(read_events(resumed, 1));
    EXPECT_EQ(ids(resumed), (std::vector<std::string>{"b1"}));
}

TEST_F(PubsubEventsourceTest, ARestartBetweenPublishAndReconnectLosesNothing) {
    start();
    create("news");
    publish("news", "before", kEntry);
    alice_.reset();
    ASSERT_EQ(server_->stop(), 0) << server_->log();
    restart_server();
    alice_ = login("alice");
    publish("news", "after", kEntry);
    Stream s = open("/eventsource/news", {{"Last-Event-ID", "before"}});
    ASSERT_TRUE(read_events(s, 1));
    EXPECT_EQ(ids(s), (std::vector<std::string>{"after"}));
}

} // namespace
} // namespace cadenza::test
