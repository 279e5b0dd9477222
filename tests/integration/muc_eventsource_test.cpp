// mod_muc_eventsource against the real server: libstrophe occupants talk in rooms, browsers'
// streams (the raw HTTP client and the independent SSE parser) receive the messages.
#include "eventsource_fixture.hpp"

#include <gtest/gtest.h>

namespace cadenza::test {
namespace {

class MucEventsourceTest : public EventsourceFixture {
protected:
    void start(const std::string& component_options = "") {
        start_server("Component \"rooms.localhost\" \"muc\"\n"
                     "  modules_enabled = { \"muc_eventsource\" }\n"
                     "  eventsource_allow_insecure_auth = true\n" +
                     component_options);
        alice_ = login("alice");
    }

    // Alice enters (creating) the room and accepts or submits its configuration.
    void create_room(const std::string& room, const std::string& fields = "") {
        alice_->send("<presence to='" + room + "@rooms.localhost/alice'><x "
                     "xmlns='http://jabber.org/protocol/muc'/></presence>");
        Stanza self = alice_->wait_for([&](const Stanza& s) {
            return s.name() == "presence" && s.attr("from") == room + "@rooms.localhost/alice";
        });
        ASSERT_TRUE(self) << alice_->trace();
        std::string form = "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
                           "http://jabber.org/protocol/muc#roomconfig</value></field>" +
                           fields + "</x>";
        Stanza r = alice_->request("<iq type='set' to='" + room + "@rooms.localhost' id='cfg" +
                                   next_id() +
                                   "'><query xmlns='http://jabber.org/protocol/muc#owner'>" +
                                   form + "</query></iq>");
        ASSERT_EQ(r.attr("type"), "result") << r.serialize() << alice_->trace();
    }

    static std::string field(const std::string& var, const std::string& value) {
        return "<field var='muc#roomconfig_" + var + "'><value>" + value + "</value></field>";
    }

    void say(const std::string& room, const std::string& body_xml) {
        alice_->send("<message to='" + room + "@rooms.localhost' type='groupchat'><body>" +
                     body_xml + "</body></message>");
        Stanza echo = alice_->wait_for([&](const Stanza& s) {
            return s.name() == "message" && s.attr("type") == "groupchat" &&
                   s.child("body", s.ns()); // libstrophe hands stanzas over without xmlns
        });
        ASSERT_TRUE(echo) << alice_->trace();
        last_stanza_id_ = std::string(echo.child("stanza-id", "urn:xmpp:sid:0").attr("id"));
    }

    Stream open_room(const std::string& path, const Headers& headers = {}) {
        Stream s;
        s.client = std::make_unique<HttpClient>(http_port_);
        s.client->send_request("GET", path, "rooms.localhost", headers);
        s.head = s.client->read_head();
        return s;
    }

    std::unique_ptr<XmppClient> alice_;
    std::string last_stanza_id_;
};

TEST_F(MucEventsourceTest, MessagesArriveAsJsonWithStanzaIds) {
    start();
    create_room("lobby");
    Stream s = open_room("/eventsource/lobby");
    ASSERT_EQ(s.head.status, 200);
    EXPECT_EQ(s.head.header("Access-Control-Allow-Origin").value_or(""), "*");
    say("lobby", "Hello, world");
    std::string first_id = last_stanza_id_;
    // Quotes, a backslash, a tab, a newline, an escaped control character and non-ASCII.
    say("lobby", "She said \"hi\" \\o/\tthen\nleft: &#xE9;t&#xE9; &#x1F600;");
    ASSERT_TRUE(read_events(s, 2)) << server_->log();
    EXPECT_EQ(s.parser.events()[0].data, "{\"nick\":\"alice\",\"body\":\"Hello, world\"}");
    EXPECT_EQ(s.parser.events()[0].last_event_id, first_id);
    EXPECT_FALSE(first_id.empty());
    EXPECT_EQ(s.parser.events()[1].data,
              "{\"nick\":\"alice\",\"body\":\"She said \\\"hi\\\" \\\\o/\\tthen\\nleft: "
              "\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80\"}");
}

TEST_F(MucEventsourceTest, UnknownRoomIs404) {
    start();
    EXPECT_EQ(open_room("/eventsource/nowhere").head.status, 404);
}

TEST_F(MucEventsourceTest, MembersOnlyRoomsRefuseAnonymousAndStrangers) {
    start();
    register_account("bob");
    create_room("club", field("membersonly", "1"));
    Stream anonymous = open_room("/eventsource/club");
    EXPECT_EQ(anonymous.head.status, 401);
    EXPECT_NE(anonymous.head.header("WWW-Authenticate").value_or("").find("Basic"),
              std::string::npos);
    EXPECT_EQ(open_room("/eventsource/club", {basic("bob@localhost", "secret")}).head.status, 403);
    EXPECT_EQ(open_room("/eventsource/club", {basic("alice@localhost", "secret")}).head.status,
              200);
    EXPECT_EQ(open_room("/eventsource/club", {basic("alice@localhost", "wrong")}).head.status, 401);
}

TEST_F(MucEventsourceTest, PasswordRoomsTakeTheirPassword) {
    start();
    create_room("vault", field("passwordprotectedroom", "1") + field("roomsecret", "sesame"));
    EXPECT_EQ(open_room("/eventsource/vault").head.status, 401);
    EXPECT_EQ(open_room("/eventsource/vault?password=wrong").head.status, 401);
    EXPECT_EQ(open_room("/eventsource/vault?password=sesame").head.status, 200);
    EXPECT_EQ(open_room("/eventsource/vault", {{"X-Room-Password", "sesame"}}).head.status, 200);
}

TEST_F(MucEventsourceTest, ExposeAllRestoresProsodysOpenBehaviour) {
    start("  muc_eventsource_expose = \"all\"\n");
    create_room("club", field("membersonly", "1"));
    EXPECT_EQ(open_room("/eventsource/club").head.status, 200);
}

TEST_F(MucEventsourceTest, LastEventIdReplaysTheHistoryAfterIt) {
    start();
    create_room("lobby");
    say("lobby", "one");
    std::string one = last_stanza_id_;
    say("lobby", "two");
    say("lobby", "three");
    Stream s = open_room("/eventsource/lobby", {{"Last-Event-ID", one}});
    ASSERT_TRUE(read_events(s, 2));
    EXPECT_EQ(s.parser.events()[0].data, "{\"nick\":\"alice\",\"body\":\"two\"}");
    EXPECT_EQ(s.parser.events()[1].data, "{\"nick\":\"alice\",\"body\":\"three\"}");
    EXPECT_EQ(s.parser.retry(), 3000U);
}

TEST_F(MucEventsourceTest, TypedEventsWhenAskedFor) {
    start("  muc_eventsource_events = { \"message\", \"subject\", \"join\", \"leave\" }\n");
    create_room("lobby");
    Stream s = open_room("/eventsource/lobby");
    alice_->send("<message to='lobby@rooms.localhost' type='groupchat'><subject>News</subject>"
                 "</message>");
    register_account("bob");
    auto bob = login("bob");
    bob->send("<presence to='lobby@rooms.localhost/bobby'><x "
              "xmlns='http://jabber.org/protocol/muc'/></presence>");
    ASSERT_TRUE(bob->wait_for([](const Stanza& p) { return p.name() == "presence"; }));
    bob->send("<presence to='lobby@rooms.localhost/bobby' type='unavailable'/>");
    ASSERT_TRUE(read_events(s, 3)) << s.parser.events().size() << server_->log();
    auto events = s.parser.events();
    EXPECT_EQ(events[0].type, "subject");
    EXPECT_EQ(events[0].data, "{\"nick\":\"alice\",\"subject\":\"News\"}");
    EXPECT_EQ(events[1].type, "join");
    EXPECT_EQ(events[1].data, "{\"nick\":\"bobby\"}");
    EXPECT_EQ(events[2].type, "leave");
    EXPECT_EQ(events[2].data.find("localhost"), std::string::npos) << "no real JID";
}

TEST_F(MucEventsourceTest, AnOccupantWhoseSessionEndsLeavesTheRoom) {
    start("  muc_eventsource_events = { \"join\", \"leave\" }\n");
    create_room("lobby");
    Stream s = open_room("/eventsource/lobby");
    register_account("bob");
    auto bob = login("bob");
    bob->send("<presence to='lobby@rooms.localhost/bobby'><x "
              "xmlns='http://jabber.org/protocol/muc'/></presence>");
    ASSERT_TRUE(read_events(s, 1));
    // Bob's client goes away without telling the room: the server tells it for him.
    bob.reset();
    ASSERT_TRUE(read_events(s, 2)) << server_->log();
    EXPECT_EQ(s.parser.events()[1].type, "leave");
    EXPECT_EQ(s.parser.events()[1].data, "{\"nick\":\"bobby\"}");
}

TEST_F(MucEventsourceTest, KeepAlivesCorsAndTheUnsentBytesCapAsForPubsub) {
    start("  eventsource_keepalive = 1\n"
          "  eventsource_cors_origins = { \"https://app.example\" }\n"
          "  eventsource_max_buffer = 65536\n");
    create_room("lobby");
    Stream quiet = open_room("/eventsource/lobby", {{"Origin", "https://app.example"}});
    EXPECT_EQ(quiet.head.header("Access-Control-Allow-Origin").value_or(""), "https://app.example");
    EXPECT_EQ(quiet.head.header("Access-Control-Allow-Credentials").value_or(""), "true");
    ASSERT_TRUE(wait_until(
        [&] {
            quiet.parser.feed(quiet.client->read_some(50ms));
            return quiet.parser.comments() >= 1;
        },
        5s));

    HttpClient preflight(http_port_);
    preflight.send_request("OPTIONS", "/eventsource/lobby", "rooms.localhost",
                           {{"Origin", "https://app.example"}});
    EXPECT_EQ(preflight.read_response().status, 204);

    // A reader that never reads is closed once the room said more than the kernel can hold.
    HttpClient::Options small;
    small.receive_buffer = 4096;
    Stream slow;
    slow.client = std::make_unique<HttpClient>(http_port_, small);
    slow.client->send_request("GET", "/eventsource/lobby", "rooms.localhost");
    slow.head = slow.client->read_head();
    ASSERT_EQ(slow.head.status, 200);
    std::string body(32 * 1024, 'x');
    for (int batch = 0; batch < 16; ++batch) {
        for (int i = 0; i < 20; ++i) {
            alice_->send("<message to='lobby@rooms.localhost' type='groupchat'><body>" + body +
                         "</body></message>");
        }
        for (int i = 0; i < 20; ++i) {
            ASSERT_TRUE(alice_->wait_for(
                [](const Stanza& m) { return m.name() == "message" && m.attr("type") == "groupchat"; },
                20s));
        }
        for (std::string d = quiet.client->read_some(20ms); !d.empty();
             d = quiet.client->read_some(20ms)) {
            quiet.parser.feed(d);
        }
    }
    EXPECT_TRUE(slow.client->wait_closed(10s)) << "the slow room stream was not closed";
    ASSERT_TRUE(read_events(quiet, 320, 30s)) << quiet.parser.events().size();
}

TEST_F(MucEventsourceTest, DestroyingTheRoomEndsItsStreams) {
    start();
    create_room("doomed");
    Stream s = open_room("/eventsource/doomed");
    Stanza r = alice_->request("<iq type='set' to='doomed@rooms.localhost' id='d1'><query "
                               "xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query>"
                               "</iq>");
    ASSERT_EQ(r.attr("type"), "result") << r.serialize();
    ASSERT_TRUE(read_events(s, 1));
    EXPECT_EQ(s.parser.events()[0].type, "destroy");
    EXPECT_TRUE(stream_ends(s));
    EXPECT_EQ(open_room("/eventsource/doomed").head.status, 404);
}

} // namespace
} // namespace cadenza::test
