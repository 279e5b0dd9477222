// Faults against the real binary: the server is killed with SIGKILL in the middle of a burst of
// pubsub publishes or room messages, and restarted on the same data directory; and its SQLite
// database is write-locked by the test while clients keep writing. What a client was told is
// stored must survive, be replayed once and in order, and a storage failure must reach the
// client as an XMPP error while the server carries on.
#include "eventsource_fixture.hpp"
#include "pubsub_helpers.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <csignal>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace cadenza::test {
namespace {

constexpr std::string_view kPubsubNs = "http://jabber.org/protocol/pubsub";
constexpr std::string_view kStanzaIdNs = "urn:xmpp:sid:0";
constexpr std::string_view kMucOwnerNs = "http://jabber.org/protocol/muc#owner";
constexpr std::string_view kDataNs = "jabber:x:data";
constexpr int kBurst = 1000;    // stanzas in a burst
constexpr int kWindow = 64;     // sent but not answered yet, at most
constexpr int kKillAfter = 300; // answers before the SIGKILL: well before the burst's end
constexpr int kNewAfterRestart = 10;

// Both services, with every bound above what a burst stores, so that nothing is trimmed.
const char* const kHosts = "Component \"pubsub.localhost\" \"pubsub\"\n"
                           "  modules_enabled = { \"pubsub_eventsource\" }\n"
                           "  http_host = \"localhost\"\n"
                           "  pubsub_max_items = 10000\n"
                           "  pubsub_default_max_items = 10000\n"
                           "  eventsource_replay_limit = 10000\n"
                           "Component \"rooms.localhost\" \"muc\"\n"
                           "  modules_enabled = { \"muc_eventsource\" }\n"
                           "  max_history_messages = 10000\n"
                           "  muc_archive_messages = 10000\n"
                           "  muc_room_default_persistent = true\n"
                           "  muc_room_default_history_length = 10000\n"
                           "  eventsource_replay_limit = 10000\n";

// "<prefix><n>" -> n; -1 for anything else.
int index_of(std::string_view text, std::string_view prefix) {
    if (!text.starts_with(prefix) || text.size() == prefix.size()) {
        return -1;
    }
    int n = 0;
    for (char c : text.substr(prefix.size())) {
        if (c < '0' || c > '9') {
            return -1;
        }
        n = n * 10 + (c - '0');
    }
    return n;
}

// A stanza of a burst answered: which one, whether it was accepted, and the id an event stream
// knows it by (the item id, or the room's stanza id).
struct Answer {
    int index = -1;
    bool ok = false;
    std::string event_id;
    std::string text; // the whole answer, for failure messages
};

struct BurstResult {
    int sent = 0;
    std::vector<Answer> accepted; // in arrival order
    std::vector<Answer> refused;
};

using SendFn = std::function<std::string(int index)>;
using AnswerFn = std::function<std::optional<Answer>(const Stanza&)>;

// Sends kBurst stanzas with at most kWindow unanswered and records the answers. Once kKillAfter
// arrived, kills the server with SIGKILL, then collects the answers it wrote before it died:
// each of those is a promise too.
BurstResult burst_and_kill(XmppClient& client, Process& server, const SendFn& stanza,
                           const AnswerFn& answer_of) {
    BurstResult result;
    auto answered = [&] {
        return static_cast<int>(result.accepted.size() + result.refused.size());
    };
    auto record = [&](const Stanza& s) {
        Answer a = *answer_of(s);
        (a.ok ? result.accepted : result.refused).push_back(std::move(a));
    };
    auto is_answer = [&](const Stanza& s) { return answer_of(s).has_value(); };
    while (answered() < kKillAfter) {
        while (result.sent < kBurst && result.sent - answered() < kWindow) {
            client.send(stanza(result.sent++));
        }
        Stanza s = client.wait_for(is_answer, 10s);
        if (!s) {
            ADD_FAILURE() << "no answer after " << answered() << " of " << result.sent;
            return result;
        }
        record(s);
    }
    server.signal(SIGKILL);
    EXPECT_EQ(server.wait_exit(10s), 128 + SIGKILL);
    EXPECT_LT(result.sent, kBurst) << "the kill must come in the middle of the burst";
    while (Stanza s = client.wait_for(is_answer, 2s)) {
        record(s);
    }
    return result;
}

// The answer to the stanza sent last among `answers` (not empty).
const Answer& latest(const std::vector<Answer>& answers) {
    return *std::max_element(answers.begin(), answers.end(),
                             [](const Answer& a, const Answer& b) { return a.index < b.index; });
}

// Every index in `ids` (event ids "<prefix><n>"), in order.
std::vector<int> indexes(const std::vector<std::string>& ids, std::string_view prefix) {
    std::vector<int> out;
    for (const auto& id : ids) {
        out.push_back(index_of(id, prefix));
    }
    return out;
}

// What survived a crash: strictly in publication order (so each at most once), only what was
// sent, and every acknowledged and every streamed one present.
void expect_recovered(const std::vector<int>& stored, const BurstResult& burst,
                      const std::vector<int>& streamed_before_crash) {
    for (std::size_t i = 0; i < stored.size(); ++i) {
        ASSERT_GE(stored[i], 0) << "an unknown entry at " << i;
        ASSERT_LT(stored[i], burst.sent) << "never sent";
        if (i > 0) {
            ASSERT_LT(stored[i - 1], stored[i]) << "out of order or repeated at " << i;
        }
    }
    std::set<int> present(stored.begin(), stored.end());
    int lost = 0;
    for (const Answer& a : burst.accepted) {
        if (present.count(a.index) == 0 && ++lost <= 5) {
            ADD_FAILURE() << "acknowledged but lost after the crash: " << a.index;
        }
    }
    EXPECT_EQ(lost, 0) << "of " << burst.accepted.size() << " acknowledged";
    for (int index : streamed_before_crash) {
        EXPECT_EQ(present.count(index), 1U) << "streamed to a browser but lost: " << index;
    }
}

// The ids after `after` in `ids` (all of them when it is not there), then `tail`.
std::vector<std::string> after_then(const std::vector<std::string>& ids, const std::string& after,
                                    const std::vector<std::string>& tail) {
    auto it = std::find(ids.begin(), ids.end(), after);
    std::vector<std::string> out(it == ids.end() ? ids.begin() : it + 1, ids.end());
    out.insert(out.end(), tail.begin(), tail.end());
    return out;
}

// The test's own connection to the server's database, holding its write lock (as another
// process writing would) until released.
class DatabaseWriteLock {
public:
    explicit DatabaseWriteLock(const std::string& file) {
        if (sqlite3_open_v2(file.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
            ADD_FAILURE() << "cannot open " << file << ": " << sqlite3_errmsg(db_);
            return;
        }
        // The server may be committing at this moment: wait for it, then keep the lock.
        sqlite3_busy_timeout(db_, 5000);
        held_ = exec("BEGIN IMMEDIATE");
    }
    ~DatabaseWriteLock() {
        release();
        sqlite3_close(db_);
    }
    DatabaseWriteLock(const DatabaseWriteLock&) = delete;
    DatabaseWriteLock& operator=(const DatabaseWriteLock&) = delete;

    bool held() const { return held_; }
    void release() {
        if (held_) {
            exec("ROLLBACK");
            held_ = false;
        }
    }

private:
    bool exec(const char* sql) {
        char* error = nullptr;
        if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
            ADD_FAILURE() << sql << ": " << (error ? error : "?");
            sqlite3_free(error);
            return false;
        }
        return true;
    }

    sqlite3* db_ = nullptr;
    bool held_ = false;
};

class CrashRecoveryTest : public EventsourceFixture {
protected:
    void SetUp() override {
        start_server(kHosts);
        alice_ = login("alice");
    }

    // The last run stops cleanly; no run (the killed one neither) reported a sanitizer error.
    void TearDown() override {
        if (!server_) {
            return;
        }
        alice_.reset();
        expect_clean_stop(*server_, dir_.file("cadenza.log"));
    }

    // After a crash: the same configuration and data directory, and alice logged in again.
    void restart_after_crash() {
        alice_.reset();
        restart_server();
        alice_ = login("alice");
    }

    static std::string publish_xml(const std::string& iq_id, const std::string& node,
                                   const std::string& item_id) {
        return "<iq type='set' to='pubsub.localhost' id='" + iq_id +
               "'><pubsub xmlns='http://jabber.org/protocol/pubsub'><publish node='" + node +
               "'><item id='" + item_id + "'><entry xmlns='urn:test:crash'>" + item_id +
               "</entry></item></publish></pubsub></iq>";
    }

    Stanza publish(const std::string& node, const std::string& item_id,
                   std::chrono::milliseconds timeout = 5s) {
        return alice_->request(publish_xml("p" + next_id(), node, item_id), timeout);
    }

    // The retained item ids of a node, oldest first (XMPP items query).
    std::vector<std::string> stored_items(const std::string& node) {
        Stanza r = alice_->request("<iq type='get' to='pubsub.localhost' id='q" + next_id() +
                                       "'><pubsub xmlns='http://jabber.org/protocol/pubsub'>"
                                       "<items node='" +
                                       node + "'/></pubsub></iq>",
                                   10s);
        EXPECT_EQ(r.attr("type"), "result") << r.serialize();
        std::vector<std::string> ids;
        for (Element item :
             r.child("pubsub", kPubsubNs).child("items", kPubsubNs).children("item", kPubsubNs)) {
            ids.emplace_back(item.attr("id"));
        }
        return ids;
    }

    // Alice enters (creating) a room and submits its configuration.
    void create_room(const std::string& room) {
        enter(room, "");
        ASSERT_TRUE(wait_subject(room)) << alice_->trace();
        Stanza r = configure_room(room, "<field var='muc#roomconfig_persistentroom'><value>1"
                                        "</value></field><field var='muc#roomconfig_historylength'>"
                                        "<value>10000</value></field>");
        ASSERT_EQ(r.attr("type"), "result") << r.serialize() << alice_->trace();
    }

    static std::string configure_xml(const std::string& room, const std::string& id,
                                     const std::string& fields) {
        return "<iq type='set' to='" + room + "@rooms.localhost' id='" + id +
               "'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' "
               "type='submit'><field var='FORM_TYPE'><value>"
               "http://jabber.org/protocol/muc#roomconfig</value></field>" +
               fields + "</x></query></iq>";
    }

    Stanza configure_room(const std::string& room, const std::string& fields) {
        return alice_->request(configure_xml(room, "cfg" + next_id(), fields));
    }

    // The room's muc#roomconfig_roomname, as its owner reads it.
    std::string room_name(const std::string& room) {
        Stanza r =
            alice_->request("<iq type='get' to='" + room + "@rooms.localhost' id='get" + next_id() +
                            "'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>");
        EXPECT_EQ(r.attr("type"), "result") << r.serialize();
        for (Element field :
             r.child("query", kMucOwnerNs).child("x", kDataNs).children("field", kDataNs)) {
            if (field.attr("var") == "muc#roomconfig_roomname") {
                return field.child_text("value", kDataNs);
            }
        }
        return "<none>";
    }

    void enter(const std::string& room, const std::string& history) {
        alice_->send("<presence to='" + room +
                     "@rooms.localhost/alice'><x "
                     "xmlns='http://jabber.org/protocol/muc'>" +
                     history + "</x></presence>");
        Stanza self = alice_->wait_for([&](const Stanza& s) {
            return s.name() == "presence" && s.attr("from") == room + "@rooms.localhost/alice";
        });
        ASSERT_TRUE(self) << alice_->trace();
        ASSERT_NE(self.attr("type"), "error") << self.serialize();
    }

    // The subject message that ends a join.
    bool wait_subject(const std::string& room) {
        return static_cast<bool>(alice_->wait_for([&](const Stanza& s) {
            return from_room(s, room) && s.child("subject", s.ns()) && !s.child("body", s.ns());
        }));
    }

    static bool from_room(const Stanza& s, const std::string& room) {
        return s.name() == "message" && s.attr("type") == "groupchat" &&
               s.attr("from").starts_with(room + "@rooms.localhost");
    }

    static std::string groupchat_xml(const std::string& room, const std::string& id,
                                     const std::string& body) {
        return "<message to='" + room + "@rooms.localhost' type='groupchat' id='" + id +
               "'><body>" + body + "</body></message>";
    }

    // Says `body` and waits for the room's reflection; its stanza id ("" if none came).
    std::string say(const std::string& room, const std::string& body) {
        alice_->send(groupchat_xml(room, "s" + next_id(), body));
        Stanza echo = alice_->wait_for([&](const Stanza& s) {
            return from_room(s, room) && s.child_text("body", s.ns()) == body;
        });
        EXPECT_TRUE(echo) << "no reflection of " << body << "\n" << alice_->trace();
        return std::string(echo.child("stanza-id", kStanzaIdNs).attr("id"));
    }

    // Enters the room again (after a restart) asking for its whole history; the history's
    // bodies and stanza ids, oldest first.
    void enter_with_history(const std::string& room, std::vector<std::string>& bodies,
                            std::vector<std::string>& stanza_ids) {
        enter(room, "<history maxstanzas='10000'/>");
        for (;;) {
            Stanza m = alice_->wait_for([&](const Stanza& s) { return from_room(s, room); }, 10s);
            ASSERT_TRUE(m) << "the join did not end with a subject";
            if (!m.child("body", m.ns())) {
                break; // the subject: the end of the history
            }
            bodies.push_back(m.child_text("body", m.ns()));
            stanza_ids.emplace_back(m.child("stanza-id", kStanzaIdNs).attr("id"));
        }
    }

    Stream open_room(const std::string& room, const Headers& headers = {}) {
        Stream s;
        s.client = std::make_unique<HttpClient>(http_port_);
        s.client->send_request("GET", "/eventsource/" + room, "rooms.localhost", headers);
        s.head = s.client->read_head();
        return s;
    }

    // Reads everything the (dead) server had written to the stream.
    static std::vector<std::string> drain(Stream& s) {
        stream_ends(s, 5s);
        return ids(s);
    }

    static std::vector<std::string> read_ids(Stream& s, std::size_t n) {
        EXPECT_TRUE(read_events(s, n, 20s)) << s.parser.events().size() << " of " << n;
        return ids(s);
    }

    std::string database_file() const { return dir_.file("data/cadenza.sqlite"); }

    std::unique_ptr<XmppClient> alice_;
};

TEST_F(CrashRecoveryTest, AcknowledgedPublishesSurviveSigkillAndAreReplayedOnceInOrder) {
    create_node_ok(*alice_, "feed");
    Stream watching = open("/eventsource/feed"); // a browser watching during the crash
    ASSERT_EQ(watching.head.status, 200);

    BurstResult burst = burst_and_kill(
        *alice_, server_->process(),
        [](int i) {
            return publish_xml("pub-" + std::to_string(i), "feed", "item-" + std::to_string(i));
        },
        [](const Stanza& s) -> std::optional<Answer> {
            int i = index_of(s.attr("id"), "pub-");
            if (s.name() != "iq" || i < 0) {
                return std::nullopt;
            }
            return Answer{i, s.attr("type") == "result", "item-" + std::to_string(i),
                          s.serialize()};
        });
    ASSERT_GE(burst.accepted.size(), static_cast<std::size_t>(kKillAfter));
    EXPECT_TRUE(burst.refused.empty()) << burst.refused.front().text;
    std::vector<std::string> streamed = drain(watching);

    restart_after_crash();
    std::vector<std::string> stored = stored_items("feed");
    expect_recovered(indexes(stored, "item-"), burst, indexes(streamed, "item-"));

    // Browsers resuming: from before everything, from the middle of what was acknowledged,
    // from the last acknowledged item, and from the last event the watcher saw.
    std::string middle = burst.accepted[burst.accepted.size() / 2].event_id;
    std::string last_acked = latest(burst.accepted).event_id;
    std::vector<std::string> resume_from = {"never-published", middle, last_acked};
    if (!streamed.empty()) {
        resume_from.push_back(streamed.back());
    }
    std::vector<Stream> resumed;
    for (const auto& id : resume_from) {
        resumed.push_back(open("/eventsource/feed", {{"Last-Event-ID", id}}));
        ASSERT_EQ(resumed.back().head.status, 200);
    }

    // The service takes new items, and a resuming browser gets them after the old ones.
    std::vector<std::string> fresh;
    for (int i = 0; i < kNewAfterRestart; ++i) {
        fresh.push_back("new-" + std::to_string(i));
        Stanza r = publish("feed", fresh.back());
        ASSERT_EQ(r.attr("type"), "result") << r.serialize();
    }
    for (std::size_t k = 0; k < resumed.size(); ++k) {
        std::vector<std::string> expected = after_then(stored, resume_from[k], fresh);
        EXPECT_EQ(read_ids(resumed[k], expected.size()), expected)
            << "resuming after " << resume_from[k];
    }
    // New items are ordered after the old ones: resuming from one of them replays no old item.
    Stream from_new = open("/eventsource/feed", {{"Last-Event-ID", "new-4"}});
    std::vector<std::string> tail(fresh.begin() + 5, fresh.end());
    EXPECT_EQ(read_ids(from_new, tail.size()), tail);
    auto events = resumed[0].parser.events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front().data, "<entry xmlns='urn:test:crash'>" + stored.front() + "</entry>");
}

TEST_F(CrashRecoveryTest, ReflectedRoomMessagesSurviveSigkillAndAreReplayedOnceInOrder) {
    create_room("lobby");
    Stream watching = open_room("lobby");
    ASSERT_EQ(watching.head.status, 200);

    BurstResult burst = burst_and_kill(
        *alice_, server_->process(),
        [](int i) {
            return groupchat_xml("lobby", "g-" + std::to_string(i), "m-" + std::to_string(i));
        },
        [](const Stanza& s) -> std::optional<Answer> {
            if (s.name() != "message") {
                return std::nullopt;
            }
            if (s.attr("type") == "error") {
                int i = index_of(s.attr("id"), "g-");
                return i < 0 ? std::nullopt
                             : std::optional<Answer>(Answer{i, false, "", s.serialize()});
            }
            int i = index_of(s.child_text("body", s.ns()), "m-");
            if (!from_room(s, "lobby") || i < 0) {
                return std::nullopt;
            }
            return Answer{i, true, std::string(s.child("stanza-id", kStanzaIdNs).attr("id")),
                          s.serialize()};
        });
    ASSERT_GE(burst.accepted.size(), static_cast<std::size_t>(kKillAfter));
    EXPECT_TRUE(burst.refused.empty()) << burst.refused.front().text;
    std::vector<std::string> streamed = drain(watching);

    restart_after_crash();
    std::vector<std::string> bodies;
    std::vector<std::string> stored; // stanza ids, oldest first
    enter_with_history("lobby", bodies, stored);
    ASSERT_FALSE(HasFatalFailure());
    // Stanza ids are random: map those the sender and the watcher saw to message numbers.
    std::map<std::string, int> number_of;
    for (const Answer& a : burst.accepted) {
        number_of[a.event_id] = a.index;
    }
    for (std::size_t i = 0; i < stored.size(); ++i) {
        int n = index_of(bodies[i], "m-");
        auto known = number_of.find(stored[i]);
        EXPECT_TRUE(known == number_of.end() || known->second == n)
            << "stanza id " << stored[i] << " changed its message";
        number_of[stored[i]] = n;
    }
    std::vector<int> streamed_numbers;
    for (const auto& id : streamed) {
        auto known = number_of.find(id);
        streamed_numbers.push_back(known == number_of.end() ? -1 : known->second);
    }
    expect_recovered(indexes(bodies, "m-"), burst, streamed_numbers);

    std::string middle = burst.accepted[burst.accepted.size() / 2].event_id;
    std::string last_acked = latest(burst.accepted).event_id;
    std::vector<std::string> resume_from = {"never-said", middle, last_acked};
    if (!streamed.empty()) {
        resume_from.push_back(streamed.back());
    }
    std::vector<Stream> resumed;
    for (const auto& id : resume_from) {
        resumed.push_back(open_room("lobby", {{"Last-Event-ID", id}}));
        ASSERT_EQ(resumed.back().head.status, 200);
    }

    std::vector<std::string> fresh;
    for (int i = 0; i < kNewAfterRestart; ++i) {
        fresh.push_back(say("lobby", "new-" + std::to_string(i)));
        ASSERT_FALSE(fresh.back().empty());
    }
    for (std::size_t k = 0; k < resumed.size(); ++k) {
        std::vector<std::string> expected = after_then(stored, resume_from[k], fresh);
        EXPECT_EQ(read_ids(resumed[k], expected.size()), expected)
            << "resuming after " << resume_from[k];
    }
    Stream from_new = open_room("lobby", {{"Last-Event-ID", fresh[4]}});
    std::vector<std::string> tail(fresh.begin() + 5, fresh.end());
    EXPECT_EQ(read_ids(from_new, tail.size()), tail);
    auto events = resumed[0].parser.events();
    ASSERT_FALSE(events.empty());
    EXPECT_EQ(events.front().data, "{\"nick\":\"alice\",\"body\":\"" + bodies.front() + "\"}");
}

TEST_F(CrashRecoveryTest, ALockedDatabaseGivesXmppErrorsAndTheServerCarriesOn) {
    create_node_ok(*alice_, "busy");
    create_node_ok(*alice_, "calm");
    create_room("lobby");
    ASSERT_EQ(publish("calm", "c1").attr("type"), "result");
    Stream busy_stream = open("/eventsource/busy");
    Stream calm_stream = open("/eventsource/calm");
    Stream room_stream = open_room("lobby");

    std::string name_before = room_name("lobby");

    DatabaseWriteLock lock(database_file());
    ASSERT_TRUE(lock.held());

    // Each write is refused with an error the client can act on, within a few seconds.
    auto refused = [](const Stanza& s) {
        std::string condition = error_condition(s);
        return s.attr("type") == "error" &&
               (condition == "internal-server-error" || condition == "resource-constraint");
    };
    Stanza r = publish("busy", "while-locked", 4s);
    ASSERT_TRUE(r) << "no answer to a publish while the database is locked\n" << server_->log();
    EXPECT_TRUE(refused(r)) << r.serialize();

    // The room's writes, sent together: a message, a subject and a configuration change.
    alice_->send(groupchat_xml("lobby", "locked-message", "while-locked"));
    alice_->send("<message to='lobby@rooms.localhost' type='groupchat' id='locked-subject'>"
                 "<subject>while locked</subject></message>");
    alice_->send(configure_xml("lobby", "locked-config",
                               "<field var='muc#roomconfig_roomname'><value>Renamed</value>"
                               "</field>"));
    auto deadline = std::chrono::steady_clock::now() + 4s;
    for (const char* id : {"locked-message", "locked-subject", "locked-config"}) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        Stanza answer = alice_->wait_for(
            [&](const Stanza& s) { return s.attr("id") == id && s.attr("type") != "groupchat"; },
            std::max(left, std::chrono::milliseconds(1)));
        EXPECT_TRUE(answer) << "no answer to " << id << " while the database is locked";
        if (answer) {
            EXPECT_TRUE(refused(answer)) << answer.serialize();
        }
    }
    EXPECT_EQ(room_name("lobby"), name_before) << "a refused configuration must not take effect";

    // Reading goes on: a browser resuming on another node gets its stored item.
    ASSERT_TRUE(server_->process().running()) << server_->log();
    Stream calm_resumed = open("/eventsource/calm", {{"Last-Event-ID", "unknown"}});
    ASSERT_EQ(calm_resumed.head.status, 200);
    EXPECT_EQ(read_ids(calm_resumed, 1), std::vector<std::string>{"c1"});

    lock.release();
    r = publish("busy", "after-lock");
    EXPECT_EQ(r.attr("type"), "result") << r.serialize();
    r = publish("calm", "c2");
    EXPECT_EQ(r.attr("type"), "result") << r.serialize();
    std::string said = say("lobby", "after-lock");
    Stanza config = configure_room(
        "lobby", "<field var='muc#roomconfig_roomname'><value>Renamed</value></field>");
    EXPECT_EQ(config.attr("type"), "result") << config.serialize();

    // What was refused was neither stored nor streamed; the streams lived through it.
    EXPECT_EQ(stored_items("busy"), std::vector<std::string>{"after-lock"});
    EXPECT_EQ(read_ids(busy_stream, 1), std::vector<std::string>{"after-lock"});
    EXPECT_EQ(read_ids(calm_stream, 1), std::vector<std::string>{"c2"});
    EXPECT_EQ(read_ids(calm_resumed, 2), (std::vector<std::string>{"c1", "c2"}));
    EXPECT_EQ(read_ids(room_stream, 1), std::vector<std::string>{said});
    EXPECT_TRUE(server_->process().running());
}

} // namespace
} // namespace cadenza::test
