// mod_muc (XEP-0045) against the real server: accounts made with cadenzactl, libstrophe
// occupants entering rooms on Component "rooms.localhost" "muc", each test a conversation with
// its own server.
#include "server_process.hpp"
#include "test_cert.hpp"
#include "test_config.hpp"
#include "xmpp_client.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>

namespace cadenza::test {
namespace {

constexpr std::string_view kMucNs = "http://jabber.org/protocol/muc";
constexpr std::string_view kMucUserNs = "http://jabber.org/protocol/muc#user";
constexpr std::string_view kMucAdminNs = "http://jabber.org/protocol/muc#admin";
constexpr std::string_view kMucOwnerNs = "http://jabber.org/protocol/muc#owner";
constexpr std::string_view kDataNs = "jabber:x:data";
constexpr std::string_view kDiscoInfoNs = "http://jabber.org/protocol/disco#info";
constexpr std::string_view kDiscoItemsNs = "http://jabber.org/protocol/disco#items";
constexpr std::string_view kSidNs = "urn:xmpp:sid:0";
constexpr std::string_view kDelayNs = "urn:xmpp:delay";
const std::string kService = "rooms.localhost";

std::string room_jid(const std::string& room) {
    return room + "@" + kService;
}
std::string occupant(const std::string& room, const std::string& nick) {
    return room_jid(room) + "/" + nick;
}

Element muc_user(const Stanza& s) {
    return s.child("x", kMucUserNs);
}
Element muc_item(const Stanza& s) {
    return muc_user(s).child("item", kMucUserNs);
}

std::set<int> codes(const Stanza& s) {
    std::set<int> out;
    for (Element status : muc_user(s).children("status", kMucUserNs)) {
        out.insert(std::stoi(std::string(status.attr("code"))));
    }
    return out;
}

bool is_presence_from(const Stanza& s, const std::string& from) {
    return s.name() == "presence" && s.attr("from") == from;
}

XmppClient::Predicate available_from(const std::string& from) {
    return [from](const Stanza& s) { return is_presence_from(s, from) && !s.has_attr("type"); };
}

XmppClient::Predicate unavailable_from(const std::string& from) {
    return [from](const Stanza& s) {
        return is_presence_from(s, from) && s.attr("type") == "unavailable";
    };
}

XmppClient::Predicate error_from(std::string_view name, const std::string& from) {
    return [name = std::string(name), from](const Stanza& s) {
        return s.name() == name && s.attr("from") == from && s.attr("type") == "error";
    };
}

// The subject message that ends a join (from the room or an occupant of it).
XmppClient::Predicate subject_of(const std::string& room) {
    return [jid = room_jid(room)](const Stanza& s) {
        return s.name() == "message" && s.attr("from").starts_with(jid) &&
               s.child("subject", s.ns()) && !s.child("body", s.ns());
    };
}

XmppClient::Predicate body_from(const std::string& from, const std::string& body) {
    return [from, body](const Stanza& s) {
        return s.name() == "message" && s.attr("from") == from && s.attr("type") != "error" &&
               s.child_text("body", s.ns()) == body;
    };
}

std::string field(const std::string& var, const std::string& value) {
    return "<field var='muc#roomconfig_" + var + "'><value>" + value + "</value></field>";
}

std::map<std::string, std::string> form_values(const Stanza& iq) {
    std::map<std::string, std::string> out;
    Element form = iq.child("query", kMucOwnerNs).child("x", kDataNs);
    for (Element f : form.children("field", kDataNs)) {
        out[std::string(f.attr("var"))] = f.child_text("value", kDataNs);
    }
    return out;
}

// The <item/>s of a muc#admin list result.
std::vector<Element> admin_items(const Stanza& list) {
    return list.child("query", kMucAdminNs).children("item", kMucAdminNs);
}

std::set<std::string> features(const Stanza& info) {
    std::set<std::string> out;
    for (Element f : info.child("query", kDiscoInfoNs).children("feature", kDiscoInfoNs)) {
        out.emplace(f.attr("var"));
    }
    return out;
}

std::vector<std::string> room_items(const Stanza& items) {
    std::vector<std::string> out;
    for (Element i : items.child("query", kDiscoItemsNs).children("item", kDiscoItemsNs)) {
        out.emplace_back(i.attr("jid"));
    }
    return out;
}

// The id of the room's <stanza-id/> ("" when there is none); fails when there are several.
std::string room_stanza_id(const Stanza& message, const std::string& room) {
    std::string id;
    int count = 0;
    for (Element e : message.children("stanza-id", kSidNs)) {
        if (e.attr("by") == room_jid(room)) {
            id = std::string(e.attr("id"));
            ++count;
        }
    }
    EXPECT_LE(count, 1) << message.serialize();
    return id;
}

class MucTest : public ::testing::Test {
protected:
    // Writes the config (TLS on localhost, `globals`, VirtualHost "localhost", the MUC component
    // with `component_options`), registers alice, bob, carol and dave and starts the server.
    void start(const std::string& component_options = {}, const std::string& globals = {}) {
        port_ = free_port();
        cert_ = make_test_cert(dir_.path(), "localhost");
        config_ = loopback_globals(free_port());
        config_ += c2s_globals(port_) + ssl_globals(cert_);
        config_ += globals;
        config_ += "VirtualHost \"localhost\"\n";
        config_ += "Component \"" + kService + "\" \"muc\"\n" + component_options;
        ASSERT_EQ(register_accounts(dir_, config_, {"alice", "bob", "carol", "dave"}), "");
        server_ = std::make_unique<CadenzaServer>(dir_, config_);
        ASSERT_TRUE(server_->wait_started()) << server_->log();
    }

    // SIGTERM, then the same config and data again.
    void restart() {
        clients_.clear();
        ASSERT_EQ(server_->stop(), 0) << server_->log();
        // The log is appended to: move the first run's away, or its "server started" line
        // would answer wait_started for the second run.
        std::filesystem::rename(dir_.file("cadenza.log"), dir_.file("cadenza.first.log"));
        server_ = std::make_unique<CadenzaServer>(dir_, config_);
        ASSERT_TRUE(server_->wait_started()) << server_->log();
    }

    void TearDown() override {
        if (HasFailure() && server_) {
            std::string log = server_->log();
            constexpr std::size_t kTail = 20000;
            std::cerr << "--- server log (tail) ---\n"
                      << (log.size() > kTail ? log.substr(log.size() - kTail) : log) << "\n";
        }
    }

    XmppClient& login(const std::string& user) {
        XmppClientOptions options;
        options.ca_file = cert_.cert_file;
        auto client = std::make_unique<XmppClient>(port_, user + "@localhost", "secret", options);
        XmppConnectResult r = client->connect();
        EXPECT_TRUE(r) << r.error << client->trace();
        clients_.push_back(std::move(client));
        return *clients_.back();
    }

    // The usual opening: the server with the defaults, and alice logged in and owning `room`
    // (created as "Alice", submitting `fields`).
    XmppClient& start_with_room(const std::string& room, const std::string& fields = {}) {
        start();
        XmppClient& alice = login("alice");
        create(alice, room, fields);
        return alice;
    }

    // `user` logged in and inside `room` under their name, capitalised ("bob": "Bob").
    XmppClient& login_and_enter(const std::string& user, const std::string& room) {
        XmppClient& c = login(user);
        enter_ok(c, room, nick_of(user));
        return c;
    }

    static std::string nick_of(std::string user) {
        user[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(user[0])));
        return user;
    }

    std::string next_id() { return "q" + std::to_string(++ids_); }

    // Sends the join presence and returns the answer: the self-presence (status 110) or the
    // error presence.
    Stanza enter(XmppClient& c, const std::string& room, const std::string& nick,
                 const std::string& inside_x = {}) {
        std::string from = occupant(room, nick);
        c.send("<presence to='" + from + "'><x xmlns='" + std::string(kMucNs) + "'>" + inside_x +
               "</x></presence>");
        return c.wait_for([from](const Stanza& s) {
            return is_presence_from(s, from) &&
                   (s.attr("type") == "error" || codes(s).contains(110));
        });
    }

    // Enters and waits for the subject that ends the join; returns the self-presence.
    Stanza enter_ok(XmppClient& c, const std::string& room, const std::string& nick,
                    const std::string& inside_x = {}) {
        Stanza self = enter(c, room, nick, inside_x);
        EXPECT_TRUE(self) << c.trace();
        EXPECT_NE(self.attr("type"), "error") << self.serialize();
        EXPECT_TRUE(c.wait_for(subject_of(room))) << c.trace();
        return self;
    }

    Stanza owner_iq(XmppClient& c, const std::string& room, const std::string& type,
                    const std::string& inside) {
        return c.request("<iq type='" + type + "' to='" + room_jid(room) + "' id='" + next_id() +
                         "'><query xmlns='" + std::string(kMucOwnerNs) + "'>" + inside +
                         "</query></iq>");
    }

    Stanza configure(XmppClient& c, const std::string& room, const std::string& fields) {
        return owner_iq(c, room, "set",
                        "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>"
                        "http://jabber.org/protocol/muc#roomconfig</value></field>" +
                            fields + "</x>");
    }

    // Creates `room` with `c` as owner ("Alice" unless told) and submits `fields` (none: an
    // instant room).
    void create(XmppClient& c, const std::string& room, const std::string& fields = {},
                const std::string& nick = "Alice") {
        Stanza self = enter_ok(c, room, nick);
        ASSERT_TRUE(codes(self).contains(201)) << self.serialize();
        Stanza r = configure(c, room, fields);
        ASSERT_EQ(r.attr("type"), "result") << r.serialize();
    }

    Stanza admin_set(XmppClient& c, const std::string& room, const std::string& item) {
        return c.request("<iq type='set' to='" + room_jid(room) + "' id='" + next_id() +
                         "'><query xmlns='" + std::string(kMucAdminNs) + "'>" + item +
                         "</query></iq>");
    }

    Stanza admin_get(XmppClient& c, const std::string& room, const std::string& item) {
        return c.request("<iq type='get' to='" + room_jid(room) + "' id='" + next_id() +
                         "'><query xmlns='" + std::string(kMucAdminNs) + "'>" + item +
                         "</query></iq>");
    }

    Stanza disco(XmppClient& c, const std::string& to, std::string_view ns) {
        return c.request("<iq type='get' to='" + to + "' id='" + next_id() + "'><query xmlns='" +
                         std::string(ns) + "'/></iq>");
    }

    void say(XmppClient& c, const std::string& room, const std::string& body,
             const std::string& extra = {}) {
        c.send("<message type='groupchat' to='" + room_jid(room) + "'><body>" + body + "</body>" +
               extra + "</message>");
    }

    // Says `body` in `room` and returns the room's reflection of it to the sender, `nick` (an
    // empty Stanza when it did not come).
    Stanza say_and_see(XmppClient& c, const std::string& room, const std::string& nick,
                       const std::string& body) {
        say(c, room, body);
        return c.wait_for(body_from(occupant(room, nick), body));
    }

    void set_subject(XmppClient& c, const std::string& room, const std::string& subject) {
        c.send("<message type='groupchat' to='" + room_jid(room) + "'><subject>" + subject +
               "</subject></message>");
    }

    // A message of `type` with `body` to the occupant `nick` of `room`.
    void whisper(XmppClient& c, const std::string& room, const std::string& nick,
                 const std::string& body, const std::string& type = "chat") {
        c.send("<message type='" + type + "' to='" + occupant(room, nick) + "'><body>" + body +
               "</body></message>");
    }

    // The condition of the next message error from `from`, "" when none came in time.
    static std::string message_error(XmppClient& c, const std::string& from) {
        return error_condition(c.wait_for(error_from("message", from)));
    }

    void leave(XmppClient& c, const std::string& room, const std::string& nick,
               const std::string& inside = {}) {
        c.send("<presence type='unavailable' to='" + occupant(room, nick) + "'>" + inside +
               "</presence>");
    }

    // The room's configuration form as `c` (its owner) reads it: field var to value.
    std::map<std::string, std::string> room_config(XmppClient& c, const std::string& room) {
        return form_values(owner_iq(c, room, "get", ""));
    }

    TempDir dir_;
    int port_ = 0;
    TestCert cert_;
    std::string config_;
    int ids_ = 0;
    std::unique_ptr<CadenzaServer> server_;
    std::vector<std::unique_ptr<XmppClient>> clients_; // closed before the server stops
};

TEST_F(MucTest, RoomIsLockedUntilTheOwnerAcceptsAnInstantRoom) {
    start();
    XmppClient& alice = login("alice");
    XmppClient& bob = login("bob");

    Stanza self = enter(alice, "lobby", "Alice");
    ASSERT_TRUE(self) << alice.trace();
    EXPECT_EQ(codes(self), (std::set<int>{110, 201}));
    EXPECT_EQ(muc_item(self).attr("affiliation"), "owner");
    EXPECT_EQ(muc_item(self).attr("role"), "moderator");
    EXPECT_EQ(muc_item(self).attr("jid"), alice.bound_jid());
    Stanza subject = alice.wait_for(subject_of("lobby"));
    ASSERT_TRUE(subject) << alice.trace();
    EXPECT_EQ(subject.attr("from"), room_jid("lobby"));
    EXPECT_EQ(subject.child_text("subject", subject.ns()), "");

    // Locked: nobody else may enter, and the room does not show yet.
    Stanza refused = enter(bob, "lobby", "Bob");
    EXPECT_EQ(refused.attr("type"), "error");
    EXPECT_EQ(error_condition(refused), "item-not-found");
    EXPECT_EQ(error_condition(disco(bob, room_jid("lobby"), kDiscoInfoNs)), "item-not-found");

    Stanza accepted = configure(alice, "lobby", "");
    ASSERT_EQ(accepted.attr("type"), "result") << accepted.serialize();

    Stanza bob_self = enter_ok(bob, "lobby", "Bob");
    EXPECT_EQ(codes(bob_self), (std::set<int>{110}));
    EXPECT_EQ(muc_item(bob_self).attr("affiliation"), "none");
    EXPECT_EQ(muc_item(bob_self).attr("role"), "participant");
    // Semi-anonymous: Bob sees Alice without her address; Alice, a moderator, sees Bob's.
    Stanza alice_seen = bob.wait_for(available_from(occupant("lobby", "Alice")));
    ASSERT_TRUE(alice_seen) << bob.trace();
    EXPECT_EQ(muc_item(alice_seen).attr("role"), "moderator");
    EXPECT_FALSE(muc_item(alice_seen).has_attr("jid"));
    Stanza bob_seen = alice.wait_for(available_from(occupant("lobby", "Bob")));
    ASSERT_TRUE(bob_seen) << alice.trace();
    EXPECT_EQ(muc_item(bob_seen).attr("jid"), bob.bound_jid());
}

TEST_F(MucTest, CreationCanBeRestrictedToAdminsAndLockingTurnedOff) {
    start("  restrict_room_creation = true\n  muc_room_locking = false\n",
          "admins = { \"alice@localhost\" }\n");
    XmppClient& alice = login("alice");
    XmppClient& bob = login("bob");

    Stanza refused = enter(bob, "bobs", "Bob");
    EXPECT_EQ(refused.attr("type"), "error");
    EXPECT_EQ(error_condition(refused), "not-allowed");

    Stanza self = enter_ok(alice, "lobby", "Alice");
    EXPECT_TRUE(codes(self).contains(201));
    // No lock: Bob enters at once, without any configuration.
    enter_ok(bob, "lobby", "Bob");
}

TEST_F(MucTest, DiscoListsPublicRoomsAndRoomFeatures) {
    XmppClient& alice = start_with_room("lobby");
    XmppClient& bob = login("bob");
    create(alice, "hidden", field("publicroom", "0"));

    Stanza service = disco(bob, kService, kDiscoInfoNs);
    Element identity = service.child("query", kDiscoInfoNs).child("identity", kDiscoInfoNs);
    EXPECT_EQ(identity.attr("category"), "conference");
    EXPECT_EQ(identity.attr("type"), "text");
    EXPECT_TRUE(features(service).contains(std::string(kMucNs))) << service.serialize();

    Stanza items = disco(bob, kService, kDiscoItemsNs);
    EXPECT_EQ(room_items(items), std::vector<std::string>{room_jid("lobby")}) << items.serialize();

    Stanza info = disco(bob, room_jid("lobby"), kDiscoInfoNs);
    std::set<std::string> f = features(info);
    for (const char* expected :
         {"http://jabber.org/protocol/muc", "urn:xmpp:sid:0", "muc_public", "muc_open",
          "muc_unsecured", "muc_unmoderated", "muc_temporary", "muc_semianonymous"}) {
        EXPECT_TRUE(f.contains(expected)) << expected << "\n" << info.serialize();
    }
    EXPECT_EQ(info.child("query", kDiscoInfoNs).child("identity", kDiscoInfoNs).attr("category"),
              "conference");
    EXPECT_TRUE(features(disco(bob, room_jid("hidden"), kDiscoInfoNs)).contains("muc_hidden"));
    EXPECT_EQ(error_condition(disco(bob, room_jid("nosuchroom"), kDiscoInfoNs)), "item-not-found");
}

TEST_F(MucTest, NicknamesConflictChangeAndLeave) {
    XmppClient& alice = start_with_room("lobby");
    XmppClient& bob = login("bob");
    XmppClient& carol = login("carol");

    Stanza conflict = enter(bob, "lobby", "Alice");
    EXPECT_EQ(conflict.attr("type"), "error");
    EXPECT_EQ(error_condition(conflict), "conflict");
    EXPECT_EQ(conflict.child("error", conflict.ns()).attr("type"), "cancel");

    // Without a nickname there is no way in.
    bob.send("<presence to='" + room_jid("lobby") + "'/>");
    Stanza malformed = bob.wait_for(error_from("presence", room_jid("lobby")));
    EXPECT_EQ(error_condition(malformed), "jid-malformed");

    enter_ok(bob, "lobby", "Bob");
    ASSERT_TRUE(alice.wait_for(available_from(occupant("lobby", "Bob"))));

    // Nick change (§7.6): 303 with the new nick, then the new presence.
    bob.send("<presence to='" + occupant("lobby", "Robert") + "'/>");
    Stanza gone = alice.wait_for(unavailable_from(occupant("lobby", "Bob")));
    ASSERT_TRUE(gone) << alice.trace();
    EXPECT_EQ(codes(gone), (std::set<int>{303}));
    EXPECT_EQ(muc_item(gone).attr("nick"), "Robert");
    EXPECT_TRUE(alice.wait_for(available_from(occupant("lobby", "Robert"))));
    Stanza own = bob.wait_for(unavailable_from(occupant("lobby", "Bob")));
    EXPECT_EQ(codes(own), (std::set<int>{110, 303}));

    leave(bob, "lobby", "Robert", "<status>bye</status>");
    Stanza left = alice.wait_for(unavailable_from(occupant("lobby", "Robert")));
    ASSERT_TRUE(left) << alice.trace();
    EXPECT_TRUE(codes(left).empty());
    EXPECT_EQ(left.child_text("status", left.ns()), "bye");
    EXPECT_EQ(codes(bob.wait_for(unavailable_from(occupant("lobby", "Robert")))),
              (std::set<int>{110}));

    // A temporary room goes with its last occupant.
    leave(alice, "lobby", "Alice");
    ASSERT_TRUE(alice.wait_for(unavailable_from(occupant("lobby", "Alice"))));
    EXPECT_EQ(error_condition(disco(carol, room_jid("lobby"), kDiscoInfoNs)), "item-not-found");
}

TEST_F(MucTest, GroupchatCarriesStanzaIdsAndHistoryIsSentOnJoin) {
    XmppClient& alice = start_with_room("lobby");
    XmppClient& bob = login("bob");
    XmppClient& carol = login("carol");
    XmppClient& dave = login("dave");

    // A stanza-id claiming to be the room's is removed; another entity's is kept.
    say(alice, "lobby", "one",
        "<stanza-id xmlns='urn:xmpp:sid:0' id='forged' by='" + room_jid("lobby") +
            "'/><stanza-id xmlns='urn:xmpp:sid:0' id='mine' by='alice@localhost'/>");
    say(alice, "lobby", "two");
    say(alice, "lobby", "three");
    std::vector<std::string> ids;
    for (const char* body : {"one", "two", "three"}) {
        Stanza m = alice.wait_for(body_from(occupant("lobby", "Alice"), body));
        ASSERT_TRUE(m) << alice.trace();
        EXPECT_EQ(m.attr("type"), "groupchat");
        ids.push_back(room_stanza_id(m, "lobby"));
        EXPECT_FALSE(ids.back().empty()) << m.serialize();
        EXPECT_NE(ids.back(), "forged");
        if (ids.size() == 1) {
            EXPECT_EQ(m.children("stanza-id", kSidNs).size(), 2U) << m.serialize();
        }
    }
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 3U);

    // maxstanzas='2': the last two, stamped, with their ids, before the subject.
    enter(bob, "lobby", "Bob", "<history maxstanzas='2'/>");
    for (std::size_t i : {1U, 2U}) {
        Stanza m = bob.wait_for(xmpp_match::named("message"));
        ASSERT_TRUE(m) << bob.trace();
        EXPECT_EQ(m.child_text("body", m.ns()), i == 1 ? "two" : "three");
        EXPECT_EQ(room_stanza_id(m, "lobby"), ids[i]);
        Element delay = m.child("delay", kDelayNs);
        EXPECT_EQ(delay.attr("from"), room_jid("lobby"));
        EXPECT_FALSE(delay.attr("stamp").empty());
    }
    EXPECT_TRUE(subject_of("lobby")(bob.wait_for(xmpp_match::named("message"))));

    // No <history/>: the room's default (all three here).
    enter(carol, "lobby", "Carol");
    for (const char* body : {"one", "two", "three"}) {
        Stanza m = carol.wait_for(xmpp_match::named("message"));
        EXPECT_EQ(m.child_text("body", m.ns()), body) << carol.trace();
    }
    EXPECT_TRUE(subject_of("lobby")(carol.wait_for(xmpp_match::named("message"))));

    // maxchars='0', or a 'since' in the future: none. 'seconds' and 'maxstanzas' together.
    for (const char* history :
         {"<history maxchars='0'/>", "<history since='2999-01-01T00:00:00Z'/>",
          "<history seconds='3600' maxstanzas='1'/>"}) {
        leave(dave, "lobby", "Dave");
        enter(dave, "lobby", "Dave", history);
        Stanza first = dave.wait_for(xmpp_match::named("message"));
        if (std::string_view(history).find("seconds") != std::string_view::npos) {
            EXPECT_EQ(first.child_text("body", first.ns()), "three") << dave.trace();
            first = dave.wait_for(xmpp_match::named("message"));
        }
        EXPECT_TRUE(subject_of("lobby")(first)) << history << "\n" << dave.trace();
    }

    // A live message reaches every occupant with the same id.
    say(bob, "lobby", "four");
    std::set<std::string> live_ids;
    for (XmppClient* c : {&alice, &bob, &carol, &dave}) {
        Stanza m = c->wait_for(body_from(occupant("lobby", "Bob"), "four"));
        ASSERT_TRUE(m) << c->trace();
        live_ids.insert(room_stanza_id(m, "lobby"));
    }
    EXPECT_EQ(live_ids.size(), 1U);
    EXPECT_FALSE(live_ids.begin()->empty());
}

TEST_F(MucTest, SubjectChangesFollowTheConfiguration) {
    XmppClient& alice = start_with_room("lobby");
    XmppClient& bob = login_and_enter("bob", "lobby");
    XmppClient& carol = login("carol");

    set_subject(bob, "lobby", "Bob rules");
    Stanza refused = bob.wait_for(error_from("message", room_jid("lobby")));
    EXPECT_EQ(error_condition(refused), "forbidden") << bob.trace();

    set_subject(alice, "lobby", "Welcome");
    for (XmppClient* c : {&alice, &bob}) {
        Stanza s = c->wait_for(subject_of("lobby"));
        ASSERT_TRUE(s) << c->trace();
        EXPECT_EQ(s.attr("from"), occupant("lobby", "Alice"));
        EXPECT_EQ(s.child_text("subject", s.ns()), "Welcome");
    }
    enter(carol, "lobby", "Carol");
    Stanza on_join = carol.wait_for(subject_of("lobby"));
    EXPECT_EQ(on_join.child_text("subject", on_join.ns()), "Welcome");
    EXPECT_EQ(on_join.attr("from"), occupant("lobby", "Alice"));

    ASSERT_EQ(configure(alice, "lobby", field("changesubject", "1")).attr("type"), "result");
    set_subject(bob, "lobby", "Bob's turn");
    Stanza changed = alice.wait_for([](const Stanza& s) {
        return subject_of("lobby")(s) && s.child_text("subject", s.ns()) == "Bob's turn";
    });
    ASSERT_TRUE(changed) << alice.trace();
    EXPECT_EQ(changed.attr("from"), occupant("lobby", "Bob"));
}

TEST_F(MucTest, PrivateMessagesGoBetweenOccupants) {
    XmppClient& alice = start_with_room("lobby");
    XmppClient& bob = login_and_enter("bob", "lobby");
    XmppClient& carol = login("carol");

    whisper(bob, "lobby", "Alice", "psst");
    Stanza pm = alice.wait_for(body_from(occupant("lobby", "Bob"), "psst"));
    ASSERT_TRUE(pm) << alice.trace();
    EXPECT_EQ(pm.attr("type"), "chat");
    EXPECT_EQ(pm.attr("to"), alice.bound_jid());
    EXPECT_TRUE(pm.child("x", kMucUserNs));

    whisper(bob, "lobby", "Nobody", "?");
    EXPECT_EQ(message_error(bob, occupant("lobby", "Nobody")), "item-not-found");
    whisper(bob, "lobby", "Alice", "x", "groupchat");
    EXPECT_EQ(message_error(bob, occupant("lobby", "Alice")), "bad-request");
    // Outsiders may neither whisper nor speak.
    whisper(carol, "lobby", "Alice", "hi");
    EXPECT_EQ(message_error(carol, occupant("lobby", "Alice")), "not-acceptable");
    say(carol, "lobby", "hello all");
    EXPECT_EQ(message_error(carol, room_jid("lobby")), "not-acceptable");
}

TEST_F(MucTest, MembersOnlyRoomAdmitsMembers) {
    XmppClient& alice = start_with_room("club", field("membersonly", "1"));
    XmppClient& bob = login("bob");
    EXPECT_TRUE(features(disco(bob, room_jid("club"), kDiscoInfoNs)).contains("muc_membersonly"));

    Stanza refused = enter(bob, "club", "Bob");
    EXPECT_EQ(error_condition(refused), "registration-required");
    EXPECT_EQ(refused.child("error", refused.ns()).attr("type"), "auth");

    Stanza added = admin_set(alice, "club", "<item affiliation='member' jid='bob@localhost'/>");
    ASSERT_EQ(added.attr("type"), "result") << added.serialize();
    Stanza list = admin_get(alice, "club", "<item affiliation='member'/>");
    std::vector<Element> members = admin_items(list);
    ASSERT_EQ(members.size(), 1U) << list.serialize();
    EXPECT_EQ(members[0].attr("jid"), "bob@localhost");

    Stanza self = enter_ok(bob, "club", "Bob");
    EXPECT_EQ(muc_item(self).attr("affiliation"), "member");
    // Members cannot read or change the lists.
    EXPECT_EQ(error_condition(admin_get(bob, "club", "<item affiliation='member'/>")), "forbidden");
    EXPECT_EQ(error_condition(
                  admin_set(bob, "club", "<item affiliation='member' jid='carol@localhost'/>")),
              "forbidden");
}

TEST_F(MucTest, PasswordProtectedRoomWantsThePassword) {
    start_with_room("vault", field("passwordprotectedroom", "1") + field("roomsecret", "sesame"));
    XmppClient& bob = login("bob");
    EXPECT_TRUE(
        features(disco(bob, room_jid("vault"), kDiscoInfoNs)).contains("muc_passwordprotected"));

    EXPECT_EQ(error_condition(enter(bob, "vault", "Bob")), "not-authorized");
    EXPECT_EQ(error_condition(enter(bob, "vault", "Bob", "<password>open</password>")),
              "not-authorized");
    enter_ok(bob, "vault", "Bob", "<password>sesame</password>");
}

TEST_F(MucTest, ModeratorsKickAndAdminsBan) {
    XmppClient& alice = start_with_room("lobby");
    XmppClient& bob = login_and_enter("bob", "lobby");
    XmppClient& carol = login_and_enter("carol", "lobby");

    EXPECT_EQ(error_condition(admin_set(bob, "lobby", "<item nick='Alice' role='none'/>")),
              "forbidden");

    Stanza kicked =
        admin_set(alice, "lobby", "<item nick='Bob' role='none'><reason>Be nice</reason></item>");
    ASSERT_EQ(kicked.attr("type"), "result") << kicked.serialize();
    Stanza bob_gone = bob.wait_for(unavailable_from(occupant("lobby", "Bob")));
    ASSERT_TRUE(bob_gone) << bob.trace();
    EXPECT_EQ(codes(bob_gone), (std::set<int>{110, 307}));
    EXPECT_EQ(muc_item(bob_gone).attr("role"), "none");
    EXPECT_EQ(muc_item(bob_gone).child_text("reason", kMucUserNs), "Be nice");
    EXPECT_EQ(muc_item(bob_gone).child("actor", kMucUserNs).attr("nick"), "Alice");
    for (XmppClient* c : {&alice, &carol}) {
        EXPECT_EQ(codes(c->wait_for(unavailable_from(occupant("lobby", "Bob")))),
                  (std::set<int>{307}));
    }

    Stanza banned = admin_set(alice, "lobby",
                              "<item affiliation='outcast' jid='carol@localhost'>"
                              "<reason>Spam</reason></item>");
    ASSERT_EQ(banned.attr("type"), "result") << banned.serialize();
    Stanza carol_gone = carol.wait_for(unavailable_from(occupant("lobby", "Carol")));
    ASSERT_TRUE(carol_gone) << carol.trace();
    EXPECT_EQ(codes(carol_gone), (std::set<int>{110, 301}));
    EXPECT_EQ(muc_item(carol_gone).attr("affiliation"), "outcast");
    EXPECT_EQ(codes(alice.wait_for(unavailable_from(occupant("lobby", "Carol")))),
              (std::set<int>{301}));

    Stanza refused = enter(carol, "lobby", "Carol");
    EXPECT_EQ(error_condition(refused), "forbidden");
    Stanza outcasts = admin_get(alice, "lobby", "<item affiliation='outcast'/>");
    std::vector<Element> items = admin_items(outcasts);
    ASSERT_EQ(items.size(), 1U) << outcasts.serialize();
    EXPECT_EQ(items[0].attr("jid"), "carol@localhost");
    // A kick is not a ban.
    enter_ok(bob, "lobby", "Bob");
    // Nobody removes the last owner.
    EXPECT_EQ(error_condition(
                  admin_set(alice, "lobby", "<item affiliation='member' jid='alice@localhost'/>")),
              "conflict");
}

TEST_F(MucTest, VisitorsNeedVoiceInAModeratedRoom) {
    XmppClient& alice = start_with_room("stage", field("moderatedroom", "1"));
    XmppClient& bob = login("bob");
    Stanza self = enter_ok(bob, "stage", "Bob");
    EXPECT_EQ(muc_item(self).attr("role"), "visitor");

    say(bob, "stage", "can I speak?");
    EXPECT_EQ(message_error(bob, room_jid("stage")), "forbidden");

    ASSERT_EQ(admin_set(alice, "stage", "<item nick='Bob' role='participant'/>").attr("type"),
              "result");
    Stanza voiced = bob.wait_for([](const Stanza& s) {
        return available_from(occupant("stage", "Bob"))(s) &&
               muc_item(s).attr("role") == "participant";
    });
    ASSERT_TRUE(voiced) << bob.trace();
    EXPECT_TRUE(codes(voiced).contains(110));
    say(bob, "stage", "thank you");
    EXPECT_TRUE(alice.wait_for(body_from(occupant("stage", "Bob"), "thank you"))) << alice.trace();

    ASSERT_EQ(admin_set(alice, "stage", "<item nick='Bob' role='visitor'/>").attr("type"),
              "result");
    say(bob, "stage", "again?");
    EXPECT_EQ(message_error(bob, room_jid("stage")), "forbidden");
    Stanza roles = admin_get(alice, "stage", "<item role='visitor'/>");
    std::vector<Element> items = admin_items(roles);
    ASSERT_EQ(items.size(), 1U) << roles.serialize();
    EXPECT_EQ(items[0].attr("nick"), "Bob");
}

TEST_F(MucTest, ConfigurationFormRoundTrip) {
    start();
    XmppClient& alice = login("alice");
    XmppClient& bob = login("bob");
    enter_ok(alice, "lobby", "Alice");

    Stanza form = owner_iq(alice, "lobby", "get", "");
    ASSERT_EQ(form.attr("type"), "result") << form.serialize();
    auto values = form_values(form);
    EXPECT_EQ(values["FORM_TYPE"], "http://jabber.org/protocol/muc#roomconfig");
    for (const char* var :
         {"roomname", "roomdesc", "persistentroom", "publicroom", "membersonly", "moderatedroom",
          "passwordprotectedroom", "roomsecret", "whois", "changesubject", "historylength"}) {
        EXPECT_TRUE(values.contains(std::string("muc#roomconfig_") + var)) << var;
    }
    EXPECT_EQ(values["muc#roomconfig_publicroom"], "1");
    EXPECT_EQ(values["muc#roomconfig_persistentroom"], "0");
    EXPECT_EQ(values["muc#roomconfig_whois"], "moderators");
    EXPECT_EQ(values["muc#roomconfig_historylength"], "20");

    Stanza submitted = configure(
        alice, "lobby",
        field("roomname", "The Lobby") + field("roomdesc", "Where we meet") +
            field("persistentroom", "1") + field("publicroom", "0") + field("moderatedroom", "1") +
            field("passwordprotectedroom", "1") + field("roomsecret", "pw") +
            field("whois", "anyone") + field("changesubject", "1") + field("historylength", "5"));
    ASSERT_EQ(submitted.attr("type"), "result") << submitted.serialize();
    values = room_config(alice, "lobby");
    EXPECT_EQ(values["muc#roomconfig_roomname"], "The Lobby");
    EXPECT_EQ(values["muc#roomconfig_roomdesc"], "Where we meet");
    EXPECT_EQ(values["muc#roomconfig_persistentroom"], "1");
    EXPECT_EQ(values["muc#roomconfig_publicroom"], "0");
    EXPECT_EQ(values["muc#roomconfig_membersonly"], "0");
    EXPECT_EQ(values["muc#roomconfig_moderatedroom"], "1");
    EXPECT_EQ(values["muc#roomconfig_passwordprotectedroom"], "1");
    EXPECT_EQ(values["muc#roomconfig_roomsecret"], "pw");
    EXPECT_EQ(values["muc#roomconfig_whois"], "anyone");
    EXPECT_EQ(values["muc#roomconfig_changesubject"], "1");
    EXPECT_EQ(values["muc#roomconfig_historylength"], "5");

    Stanza info = disco(bob, room_jid("lobby"), kDiscoInfoNs);
    std::set<std::string> f = features(info);
    for (const char* expected : {"muc_hidden", "muc_persistent", "muc_moderated",
                                 "muc_passwordprotected", "muc_nonanonymous"}) {
        EXPECT_TRUE(f.contains(expected)) << expected << "\n" << info.serialize();
    }
    EXPECT_EQ(info.child("query", kDiscoInfoNs).child("identity", kDiscoInfoNs).attr("name"),
              "The Lobby");
    EXPECT_TRUE(room_items(disco(bob, kService, kDiscoItemsNs)).empty());

    // Bad values change nothing; non-owners get nothing.
    EXPECT_EQ(error_condition(configure(alice, "lobby", field("historylength", "lots"))),
              "bad-request");
    EXPECT_EQ(room_config(alice, "lobby")["muc#roomconfig_historylength"], "5");
    EXPECT_EQ(error_condition(owner_iq(bob, "lobby", "get", "")), "forbidden");

    // Non-anonymous: 100 on entering; turning it off tells occupants (104, 173).
    Stanza self = enter_ok(bob, "lobby", "Bob", "<password>pw</password>");
    EXPECT_TRUE(codes(self).contains(100)) << self.serialize();
    ASSERT_EQ(configure(alice, "lobby", field("whois", "moderators")).attr("type"), "result");
    Stanza notice = bob.wait_for([](const Stanza& s) {
        return s.name() == "message" && s.attr("from") == room_jid("lobby") && muc_user(s);
    });
    ASSERT_TRUE(notice) << bob.trace();
    EXPECT_EQ(codes(notice), (std::set<int>{104, 173}));
}

TEST_F(MucTest, OwnerDestroysTheRoom) {
    XmppClient& alice = start_with_room("lobby");
    XmppClient& bob = login_and_enter("bob", "lobby");

    std::string destroy =
        "<destroy jid='" + room_jid("newlobby") + "'><reason>Moving</reason></destroy>";
    EXPECT_EQ(error_condition(owner_iq(bob, "lobby", "set", destroy)), "forbidden");
    Stanza done = owner_iq(alice, "lobby", "set", destroy);
    ASSERT_EQ(done.attr("type"), "result") << done.serialize();

    Stanza gone = bob.wait_for(unavailable_from(occupant("lobby", "Bob")));
    ASSERT_TRUE(gone) << bob.trace();
    Element d = muc_user(gone).child("destroy", kMucUserNs);
    ASSERT_TRUE(d) << gone.serialize();
    EXPECT_EQ(d.attr("jid"), room_jid("newlobby"));
    EXPECT_EQ(d.child_text("reason", kMucUserNs), "Moving");
    EXPECT_EQ(muc_item(gone).attr("role"), "none");
    EXPECT_TRUE(alice.wait_for(unavailable_from(occupant("lobby", "Alice"))));

    EXPECT_EQ(error_condition(disco(bob, room_jid("lobby"), kDiscoInfoNs)), "item-not-found");
    // The name is free again: Bob creates a new room with it.
    Stanza self = enter_ok(bob, "lobby", "Bob");
    EXPECT_TRUE(codes(self).contains(201));
}

// What the occupant's server answers when the room writes to a session that is gone; here
// the occupant's own client plays that server.
TEST_F(MucTest, OccupantWhoseMessagesBounceIsRemoved) {
    XmppClient& alice = start_with_room("lobby");
    XmppClient& bob = login_and_enter("bob", "lobby");

    bob.send("<message type='error' to='" + occupant("lobby", "Alice") +
             "'><error type='cancel'><service-unavailable "
             "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
    Stanza gone = alice.wait_for(unavailable_from(occupant("lobby", "Bob")));
    ASSERT_TRUE(gone) << alice.trace();
    EXPECT_EQ(codes(gone), (std::set<int>{333}));

    // A refusal of one message (not-acceptable) does not remove anyone.
    enter_ok(bob, "lobby", "Bob");
    bob.send("<message type='error' to='" + occupant("lobby", "Alice") +
             "'><error type='modify'><not-acceptable "
             "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>");
    // A round trip on Bob's stream: the error before it has been handled.
    ASSERT_TRUE(disco(bob, room_jid("lobby"), kDiscoInfoNs));
    say(alice, "lobby", "still there?");
    EXPECT_TRUE(bob.wait_for(body_from(occupant("lobby", "Alice"), "still there?"))) << bob.trace();
}

TEST_F(MucTest, PersistentRoomSurvivesARestart) {
    start();
    std::vector<std::string> ids;
    {
        XmppClient& alice = login("alice");
        create(alice, "archive",
               field("persistentroom", "1") + field("roomname", "The Archive") +
                   field("membersonly", "1"));
        ASSERT_EQ(admin_set(alice, "archive",
                            "<item affiliation='member' jid='bob@localhost'/>"
                            "<item affiliation='outcast' jid='carol@localhost'/>")
                      .attr("type"),
                  "result");
        set_subject(alice, "archive", "Kept");
        ASSERT_TRUE(alice.wait_for([](const Stanza& s) {
            return subject_of("archive")(s) && s.child_text("subject", s.ns()) == "Kept";
        }));
        for (const char* body : {"first", "second"}) {
            Stanza m = say_and_see(alice, "archive", "Alice", body);
            ASSERT_TRUE(m) << alice.trace();
            ids.push_back(room_stanza_id(m, "archive"));
        }
        create(alice, "fleeting");
        ASSERT_TRUE(say_and_see(alice, "fleeting", "Alice", "gone soon"));
    }
    restart();

    XmppClient& alice = login("alice");
    XmppClient& bob = login("bob");
    XmppClient& carol = login("carol");
    Stanza self = enter(bob, "archive", "Bob", "<history maxstanzas='10'/>");
    ASSERT_TRUE(self) << bob.trace();
    EXPECT_EQ(muc_item(self).attr("affiliation"), "member") << self.serialize();
    for (std::size_t i = 0; i < 2; ++i) {
        Stanza m = bob.wait_for(xmpp_match::named("message"));
        ASSERT_TRUE(m) << bob.trace();
        EXPECT_EQ(m.child_text("body", m.ns()), i == 0 ? "first" : "second");
        EXPECT_EQ(room_stanza_id(m, "archive"), ids[i]);
    }
    Stanza subject = bob.wait_for(xmpp_match::named("message"));
    EXPECT_EQ(subject.child_text("subject", subject.ns()), "Kept") << bob.trace();
    EXPECT_EQ(subject.attr("from"), occupant("archive", "Alice"));

    EXPECT_EQ(error_condition(enter(carol, "archive", "Carol")), "forbidden");
    auto values = room_config(alice, "archive");
    EXPECT_EQ(values["muc#roomconfig_roomname"], "The Archive");
    EXPECT_EQ(values["muc#roomconfig_persistentroom"], "1");
    EXPECT_EQ(values["muc#roomconfig_membersonly"], "1");
    EXPECT_EQ(room_items(disco(bob, kService, kDiscoItemsNs)),
              std::vector<std::string>{room_jid("archive")});
    EXPECT_EQ(error_condition(disco(bob, room_jid("fleeting"), kDiscoInfoNs)), "item-not-found");

    Stanza m = say_and_see(bob, "archive", "Bob", "third");
    ASSERT_TRUE(m) << bob.trace();
    std::string third = room_stanza_id(m, "archive");
    EXPECT_FALSE(third.empty());
    EXPECT_NE(third, ids[0]);
    EXPECT_NE(third, ids[1]);
}

} // namespace
} // namespace cadenza::test
