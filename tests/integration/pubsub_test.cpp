// mod_pubsub (XEP-0060) as XMPP clients meet it: the real server binary with three pubsub
// components (pubsub.localhost with defaults, auto.localhost with autocreate_on_publish,
// restricted.localhost with restrict_node_creation), accounts made with cadenzactl before it
// starts, libstrophe clients. One server serves the suite (each test uses its own node
// names); the restart test runs its own.
#include "pubsub_helpers.hpp"
#include "server_process.hpp"
#include "test_cert.hpp"
#include "test_config.hpp"
#include "xmpp_client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace cadenza::test {
namespace {

constexpr std::string_view kService = "pubsub.localhost";
constexpr std::string_view kPubsubNs = "http://jabber.org/protocol/pubsub";
constexpr std::string_view kOwnerNs = "http://jabber.org/protocol/pubsub#owner";
constexpr std::string_view kEventNs = "http://jabber.org/protocol/pubsub#event";
constexpr std::string_view kErrorsNs = "http://jabber.org/protocol/pubsub#errors";
constexpr std::string_view kDataNs = "jabber:x:data";
constexpr std::string_view kDiscoInfoNs = "http://jabber.org/protocol/disco#info";
constexpr std::string_view kDiscoItemsNs = "http://jabber.org/protocol/disco#items";
constexpr std::size_t kMaxPayload = 4096;

// The pubsub#errors child of an error reply ("nodeid-required"), "" when none.
std::string pubsub_error(const Stanza& s) {
    for (Element child : s.child("error", s.ns()).children()) {
        if (child.ns() == kErrorsNs) {
            return std::string(child.name());
        }
    }
    return {};
}

// The values of a data form's field.
std::string form_value(Element x, std::string_view var) {
    for (Element field : x.children("field", kDataNs)) {
        if (field.attr("var") == var) {
            return field.child_text("value", kDataNs);
        }
    }
    return "<absent>";
}

// The <subscriptions/> of an owner's subscriptions result.
Element subscription_list(const Stanza& result) {
    return result.child("pubsub", kOwnerNs).child("subscriptions", kOwnerNs);
}

// The ids of the <item/> children of an items result.
std::vector<std::string> item_ids(const Stanza& result) {
    std::vector<std::string> ids;
    for (Element item :
         result.child("pubsub", kPubsubNs).child("items", kPubsubNs).children("item", kPubsubNs)) {
        ids.emplace_back(item.attr("id"));
    }
    return ids;
}

// A notification: <message><event xmlns='...#event'><{kind} node='{node}'>...</event></message>.
XmppClient::Predicate event(std::string_view kind, std::string_view node) {
    return [kind = std::string(kind), node = std::string(node)](const Stanza& s) {
        return s.name() == "message" &&
               s.child("event", kEventNs).child(kind, kEventNs).attr("node") == node;
    };
}

std::vector<std::string> strings(std::initializer_list<const char*> list) {
    return {list.begin(), list.end()};
}

// The server with its accounts and config; one per suite or per restart test.
struct Server {
    TempDir dir;
    TestCert cert;
    std::string config;
    int c2s_port = 0;
    std::unique_ptr<CadenzaServer> process;

    // Writes the config (`hosts` after VirtualHost "localhost"), registers the users.
    void prepare(const std::string& globals, const std::string& hosts) {
        c2s_port = free_port();
        cert = make_test_cert(dir.path(), "localhost");
        config = loopback_globals(free_port()) + c2s_globals(c2s_port) + ssl_globals(cert) +
                 globals + "VirtualHost \"localhost\"\n" + hosts;
        ASSERT_EQ(register_accounts(dir, config, {"alice", "bob", "carol", "admin"}), "");
    }
    void start() {
        process.reset();
        process = std::make_unique<CadenzaServer>(dir, config);
        ASSERT_TRUE(process->wait_started()) << process->log();
    }
    // SIGTERM; the server must exit cleanly, without sanitizer reports (when built with them).
    void stop_cleanly() {
        std::optional<int> status = process->stop();
        std::string log = process->log();
        EXPECT_TRUE(status && *status == 0) << "exit status " << status.value_or(-1) << "\n"
                                            << log_tail();
        for (const char* report : {"ERROR: AddressSanitizer", "runtime error:", "LeakSanitizer"}) {
            EXPECT_EQ(log.find(report), std::string::npos) << log_tail();
        }
    }
    [[nodiscard]] std::string log_tail() const {
        std::string log = process ? process->log() : std::string();
        constexpr std::size_t kTail = 20000;
        return log.size() > kTail ? log.substr(log.size() - kTail) : log;
    }
};

// A logged-in user and the requests it sends to a pubsub service.
class User {
public:
    User(const Server& server, const std::string& name)
        : name_(name), client_(server.c2s_port, name + "@localhost", "secret", [&] {
              XmppClientOptions o;
              o.ca_file = server.cert.cert_file;
              o.resource = "desk";
              return o;
          }()) {}

    bool connect() {
        XmppConnectResult r = client_.connect();
        EXPECT_TRUE(r) << r.error << client_.trace();
        return r.connected;
    }
    [[nodiscard]] std::string bare() const { return name_ + "@localhost"; }
    [[nodiscard]] std::string full() const { return bare() + "/desk"; }
    XmppClient& client() { return client_; }

    // <iq type='{type}' to='{to}'>{payload}</iq>, answered (empty Stanza on timeout).
    Stanza iq(std::string_view type, std::string_view payload, std::string_view to = kService) {
        std::string id = "q" + std::to_string(++next_id_);
        return client_.request("<iq type='" + std::string(type) + "' to='" + std::string(to) +
                               "' id='" + id + "'>" + std::string(payload) + "</iq>");
    }
    Stanza pubsub(std::string_view type, std::string_view inner, std::string_view to = kService) {
        return iq(type,
                  "<pubsub xmlns='http://jabber.org/protocol/pubsub'>" + std::string(inner) +
                      "</pubsub>",
                  to);
    }
    Stanza owner(std::string_view type, std::string_view inner, std::string_view to = kService) {
        return iq(type,
                  "<pubsub xmlns='http://jabber.org/protocol/pubsub#owner'>" + std::string(inner) +
                      "</pubsub>",
                  to);
    }
    Stanza create(std::string_view node, std::string_view config_form = {},
                  std::string_view to = kService) {
        return pubsub("set", create_node_xml(node, config_form), to);
    }
    Stanza publish(std::string_view node, std::string_view item_xml,
                   std::string_view to = kService) {
        return pubsub("set",
                      "<publish node='" + std::string(node) + "'>" + std::string(item_xml) +
                          "</publish>",
                      to);
    }
    Stanza items(std::string_view node, std::string_view attrs = {}, std::string_view inner = {}) {
        return pubsub("get", "<items node='" + std::string(node) + "' " + std::string(attrs) + ">" +
                                 std::string(inner) + "</items>");
    }
    Stanza subscribe(std::string_view node, std::string_view jid = {}) {
        return pubsub("set", "<subscribe node='" + std::string(node) + "' jid='" +
                                 std::string(jid.empty() ? full() : jid) + "'/>");
    }
    Stanza configure(std::string_view node, std::string_view form) {
        return owner("set", "<configure node='" + std::string(node) + "'>" + std::string(form) +
                                "</configure>");
    }
    Stanza set_affiliation(std::string_view node, std::string_view jid,
                           std::string_view affiliation) {
        return owner("set", "<affiliations node='" + std::string(node) + "'><affiliation jid='" +
                                std::string(jid) + "' affiliation='" + std::string(affiliation) +
                                "'/></affiliations>");
    }
    // The owner's list of the node's subscriptions.
    Stanza subscriptions(std::string_view node) {
        return owner("get", "<subscriptions node='" + std::string(node) + "'/>");
    }
    // Sets each (full JID, subscription state) of `changes` as the owner.
    Stanza set_subscriptions(std::string_view node, const FormFields& changes) {
        std::string list = "<subscriptions node='" + std::string(node) + "'>";
        for (const auto& [jid, state] : changes) {
            list += "<subscription jid='" + jid + "' subscription='" + state + "'/>";
        }
        return owner("set", list + "</subscriptions>");
    }
    Stanza wait(const XmppClient::Predicate& p) { return client_.wait_for(p); }

private:
    std::string name_;
    XmppClient client_;
    int next_id_ = 0;
};

// An entry payload with `text` as its title.
std::string entry(std::string_view id, std::string_view text) {
    std::string item = id.empty() ? "<item>" : "<item id='" + std::string(id) + "'>";
    return item + "<entry xmlns='http://www.w3.org/2005/Atom'><title>" + std::string(text) +
           "</title></entry></item>";
}

class Pubsub : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        server_ = new Server();
        server_->prepare("admins = { \"admin@localhost\" }\n"
                         "pubsub_max_payload_size = " +
                             std::to_string(kMaxPayload) + "\n",
                         "Component \"pubsub.localhost\" \"pubsub\"\n"
                         "Component \"auto.localhost\" \"pubsub\"\n"
                         "    autocreate_on_publish = true\n"
                         "Component \"restricted.localhost\" \"pubsub\"\n"
                         "    restrict_node_creation = true\n");
        server_->start();
    }
    static void TearDownTestSuite() {
        if (server_->process) {
            server_->stop_cleanly();
        }
        delete server_;
        server_ = nullptr;
    }
    void SetUp() override {
        ASSERT_TRUE(server_->process && server_->process->process().running())
            << server_->log_tail();
    }
    void TearDown() override {
        if (HasFailure()) {
            std::cerr << "--- server log (tail) ---\n" << server_->log_tail() << "\n";
        }
    }
    // A logged-in user (the test fails when the login does).
    std::unique_ptr<User> login(const std::string& name) {
        auto user = std::make_unique<User>(*server_, name);
        user->connect();
        return user;
    }
    // A node name no other test uses.
    static std::string node(std::string_view suffix = "node") {
        return std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
               std::string(suffix);
    }

    static Server* server_;
};

Server* Pubsub::server_ = nullptr;

TEST_F(Pubsub, CreateNamedInstantAndConfiguredNodes) {
    auto alice = login("alice");

    Stanza created = alice->create(node());
    EXPECT_EQ(created.attr("type"), "result") << created.serialize();
    Stanza again = alice->create(node());
    EXPECT_EQ(error_condition(again), "conflict") << again.serialize();

    // An instant node: the service names it.
    Stanza instant = alice->pubsub("set", "<create/>");
    ASSERT_EQ(instant.attr("type"), "result") << instant.serialize();
    std::string name(instant.child("pubsub", kPubsubNs).child("create", kPubsubNs).attr("node"));
    EXPECT_FALSE(name.empty()) << instant.serialize();
    Stanza other = alice->pubsub("set", "<create/>");
    EXPECT_NE(other.child("pubsub", kPubsubNs).child("create", kPubsubNs).attr("node"), name);
    EXPECT_EQ(alice->items(name).attr("type"), "result");

    // Create and configure in one request.
    Stanza configured =
        alice->create(node("configured"), node_config_form({{"pubsub#title", "Princely musings"},
                                                            {"pubsub#max_items", "5"},
                                                            {"pubsub#access_model", "whitelist"}}));
    ASSERT_EQ(configured.attr("type"), "result") << configured.serialize();
    Stanza form = alice->owner("get", "<configure node='" + node("configured") + "'/>");
    Element x = form.child("pubsub", kOwnerNs).child("configure", kOwnerNs).child("x", kDataNs);
    EXPECT_EQ(form_value(x, "pubsub#title"), "Princely musings") << form.serialize();
    EXPECT_EQ(form_value(x, "pubsub#max_items"), "5");
    EXPECT_EQ(form_value(x, "pubsub#access_model"), "whitelist");

    // A configuration the service cannot honour is refused and creates nothing.
    Stanza bad =
        alice->create(node("bad"), node_config_form({{"pubsub#access_model", "everyone"}}));
    EXPECT_EQ(error_condition(bad), "not-acceptable") << bad.serialize();
    EXPECT_EQ(error_condition(alice->items(node("bad"))), "item-not-found");
}

TEST_F(Pubsub, RestrictedNodeCreationLeavesItToAdmins) {
    auto alice = login("alice");
    auto admin = login("admin");
    Stanza refused = alice->create(node(), {}, "restricted.localhost");
    EXPECT_EQ(error_condition(refused), "forbidden") << refused.serialize();
    Stanza allowed = admin->create(node(), {}, "restricted.localhost");
    EXPECT_EQ(allowed.attr("type"), "result") << allowed.serialize();
    // Admins own every node: the global admin manages alice's node on the default service.
    ASSERT_EQ(alice->create(node("alices")).attr("type"), "result");
    EXPECT_EQ(admin->owner("get", "<configure node='" + node("alices") + "'/>").attr("type"),
              "result");
}

TEST_F(Pubsub, OwnerGetsAndSetsTheConfiguration) {
    auto alice = login("alice");
    auto bob = login("bob");
    ASSERT_EQ(alice->create(node()).attr("type"), "result");

    Stanza form = alice->owner("get", "<configure node='" + node() + "'/>");
    ASSERT_EQ(form.attr("type"), "result") << form.serialize();
    Element x = form.child("pubsub", kOwnerNs).child("configure", kOwnerNs).child("x", kDataNs);
    EXPECT_EQ(x.attr("type"), "form");
    EXPECT_EQ(form_value(x, "FORM_TYPE"), "http://jabber.org/protocol/pubsub#node_config");
    for (const char* field : {"pubsub#title", "pubsub#access_model", "pubsub#publish_model",
                              "pubsub#max_items", "pubsub#persist_items", "pubsub#notify_retract",
                              "pubsub#notify_delete", "pubsub#deliver_payloads"}) {
        EXPECT_NE(form_value(x, field), "<absent>") << field << "\n" << form.serialize();
    }
    EXPECT_EQ(form_value(x, "pubsub#access_model"), "open");
    EXPECT_EQ(form_value(x, "pubsub#publish_model"), "publishers");

    Stanza set = alice->configure(node(), node_config_form({{"pubsub#title", "News"},
                                                            {"pubsub#max_items", "3"},
                                                            {"pubsub#notify_retract", "0"}}));
    ASSERT_EQ(set.attr("type"), "result") << set.serialize();
    form = alice->owner("get", "<configure node='" + node() + "'/>");
    x = form.child("pubsub", kOwnerNs).child("configure", kOwnerNs).child("x", kDataNs);
    EXPECT_EQ(form_value(x, "pubsub#title"), "News");
    EXPECT_EQ(form_value(x, "pubsub#max_items"), "3");
    EXPECT_EQ(form_value(x, "pubsub#notify_retract"), "0");

    // Errors: not the owner, no such node, no node named, invalid values.
    Stanza r = bob->owner("get", "<configure node='" + node() + "'/>");
    EXPECT_EQ(error_condition(r), "forbidden") << r.serialize();
    r = bob->configure(node(), node_config_form({{"pubsub#title", "Mine"}}));
    EXPECT_EQ(error_condition(r), "forbidden") << r.serialize();
    r = alice->owner("get", "<configure node='nope-" + node() + "'/>");
    EXPECT_EQ(error_condition(r), "item-not-found") << r.serialize();
    r = alice->owner("get", "<configure/>");
    EXPECT_EQ(error_condition(r), "bad-request") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "nodeid-required") << r.serialize();
    r = alice->configure(node(), node_config_form({{"pubsub#max_items", "lots"}}));
    EXPECT_EQ(error_condition(r), "not-acceptable") << r.serialize();
    r = alice->configure(node(), node_config_form({{"pubsub#max_items", "100000"}}));
    EXPECT_EQ(error_condition(r), "not-acceptable") << r.serialize();

    // The default configuration.
    Stanza def = alice->owner("get", "<default/>");
    ASSERT_EQ(def.attr("type"), "result") << def.serialize();
    x = def.child("pubsub", kOwnerNs).child("default", kOwnerNs).child("x", kDataNs);
    EXPECT_EQ(form_value(x, "pubsub#max_items"), "20") << def.serialize();
}

TEST_F(Pubsub, PublishWithAndWithoutItemIds) {
    auto alice = login("alice");
    ASSERT_EQ(alice->create(node()).attr("type"), "result");

    Stanza named = alice->publish(node(), entry("first", "One"));
    ASSERT_EQ(named.attr("type"), "result") << named.serialize();
    Element published = named.child("pubsub", kPubsubNs).child("publish", kPubsubNs);
    EXPECT_EQ(published.attr("node"), node());
    EXPECT_EQ(published.child("item", kPubsubNs).attr("id"), "first");

    // Without an id the service makes one up, a different one each time.
    std::vector<std::string> generated;
    for (const char* text : {"Two", "Three"}) {
        Stanza r = alice->publish(node(), entry({}, text));
        ASSERT_EQ(r.attr("type"), "result") << r.serialize();
        generated.emplace_back(r.child("pubsub", kPubsubNs)
                                   .child("publish", kPubsubNs)
                                   .child("item", kPubsubNs)
                                   .attr("id"));
        EXPECT_FALSE(generated.back().empty()) << r.serialize();
    }
    EXPECT_NE(generated[0], generated[1]);

    Stanza all = alice->items(node());
    ASSERT_EQ(all.attr("type"), "result") << all.serialize();
    EXPECT_EQ(item_ids(all), (std::vector<std::string>{"first", generated[0], generated[1]}));
    Element first =
        all.child("pubsub", kPubsubNs).child("items", kPubsubNs).child("item", kPubsubNs);
    EXPECT_EQ(first.child("entry", "http://www.w3.org/2005/Atom")
                  .child_text("title", "http://www.w3.org/2005/Atom"),
              "One")
        << all.serialize();
}

TEST_F(Pubsub, PublishErrors) {
    auto alice = login("alice");
    auto bob = login("bob");
    ASSERT_EQ(alice->create(node()).attr("type"), "result");

    Stanza r = alice->publish("missing-" + node(), entry("a", "x"));
    EXPECT_EQ(error_condition(r), "item-not-found") << r.serialize();
    r = alice->pubsub("set", "<publish>" + entry("a", "x") + "</publish>");
    EXPECT_EQ(error_condition(r), "bad-request") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "nodeid-required");
    // publish_model "publishers" (the default): bob is no publisher.
    r = bob->publish(node(), entry("a", "x"));
    EXPECT_EQ(error_condition(r), "forbidden") << r.serialize();
    r = alice->publish(node(), "<item id='two'><a xmlns='urn:x'/><b xmlns='urn:x'/></item>");
    EXPECT_EQ(error_condition(r), "bad-request") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "invalid-payload");
    r = alice->publish(node(), "<item id='empty'/>");
    EXPECT_EQ(error_condition(r), "bad-request") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "payload-required");
    r = alice->publish(node(), "");
    EXPECT_EQ(error_condition(r), "bad-request") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "item-required");
    r = alice->publish(node(), entry("big", std::string(kMaxPayload, 'x')));
    EXPECT_EQ(error_condition(r), "not-acceptable") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "payload-too-big");
    // Nothing of it was stored.
    EXPECT_TRUE(item_ids(alice->items(node())).empty());
}

TEST_F(Pubsub, MaxItemsKeepsTheNewestAndARepublishedIdMovesToTheEnd) {
    auto alice = login("alice");
    ASSERT_EQ(alice->create(node(), node_config_form({{"pubsub#max_items", "3"}})).attr("type"),
              "result");
    for (const char* id : {"1", "2", "3", "4"}) {
        ASSERT_EQ(alice->publish(node(), entry(id, id)).attr("type"), "result");
    }
    EXPECT_EQ(item_ids(alice->items(node())), strings({"2", "3", "4"}));
    ASSERT_EQ(alice->publish(node(), entry("2", "again")).attr("type"), "result");
    Stanza all = alice->items(node());
    EXPECT_EQ(item_ids(all), strings({"3", "4", "2"}));
    EXPECT_NE(all.serialize().find("again"), std::string::npos) << all.serialize();

    // Lowering max_items drops the oldest at once.
    ASSERT_EQ(alice->configure(node(), node_config_form({{"pubsub#max_items", "1"}})).attr("type"),
              "result");
    EXPECT_EQ(item_ids(alice->items(node())), strings({"2"}));
}

TEST_F(Pubsub, RetrieveAllItemsTheNewestFewOrSomeById) {
    auto alice = login("alice");
    auto bob = login("bob");
    ASSERT_EQ(alice->create(node()).attr("type"), "result");
    for (const char* id : {"a", "b", "c", "d"}) {
        ASSERT_EQ(alice->publish(node(), entry(id, id)).attr("type"), "result");
    }
    // Anyone may read an open node.
    EXPECT_EQ(item_ids(bob->items(node())), strings({"a", "b", "c", "d"}));
    EXPECT_EQ(item_ids(bob->items(node(), "max_items='2'")), strings({"c", "d"}));
    EXPECT_EQ(item_ids(bob->items(node(), {}, "<item id='b'/><item id='zz'/><item id='d'/>")),
              strings({"b", "d"}));
    Stanza r = bob->items(node(), "max_items='many'");
    EXPECT_EQ(error_condition(r), "bad-request") << r.serialize();
    r = bob->items("missing-" + node());
    EXPECT_EQ(error_condition(r), "item-not-found") << r.serialize();
    r = bob->pubsub("get", "<items/>");
    EXPECT_EQ(pubsub_error(r), "nodeid-required") << r.serialize();
}

TEST_F(Pubsub, SubscribersAreNotifiedOfPublishAndRetract) {
    auto alice = login("alice");
    auto bob = login("bob");
    ASSERT_EQ(alice->create(node()).attr("type"), "result");

    Stanza sub = bob->subscribe(node());
    ASSERT_EQ(sub.attr("type"), "result") << sub.serialize();
    Element s = sub.child("pubsub", kPubsubNs).child("subscription", kPubsubNs);
    EXPECT_EQ(s.attr("node"), node());
    EXPECT_EQ(s.attr("jid"), bob->full());
    EXPECT_EQ(s.attr("subscription"), "subscribed");
    EXPECT_FALSE(s.has_attr("subid")) << "one subscription per JID needs no subid";

    ASSERT_EQ(alice->publish(node(), entry("hello", "Hello, Bob")).attr("type"), "result");
    Stanza note = bob->wait(event("items", node()));
    ASSERT_TRUE(note) << bob->client().trace();
    EXPECT_EQ(note.attr("from"), kService);
    Element item = note.child("event", kEventNs).child("items", kEventNs).child("item", kEventNs);
    EXPECT_EQ(item.attr("id"), "hello");
    EXPECT_EQ(item.child("entry", "http://www.w3.org/2005/Atom")
                  .child_text("title", "http://www.w3.org/2005/Atom"),
              "Hello, Bob")
        << note.serialize();

    Stanza r = bob->pubsub("set", "<retract node='" + node() + "'><item id='hello'/></retract>");
    EXPECT_EQ(error_condition(r), "forbidden") << r.serialize();
    r = alice->pubsub("set", "<retract node='" + node() + "'><item id='nope'/></retract>");
    EXPECT_EQ(error_condition(r), "item-not-found") << r.serialize();
    r = alice->pubsub("set", "<retract node='" + node() + "'/>");
    EXPECT_EQ(pubsub_error(r), "item-required") << r.serialize();
    r = alice->pubsub("set", "<retract node='" + node() + "'><item id='hello'/></retract>");
    ASSERT_EQ(r.attr("type"), "result") << r.serialize();
    Stanza retracted = bob->wait(event("items", node()));
    ASSERT_TRUE(retracted) << bob->client().trace();
    EXPECT_EQ(retracted.child("event", kEventNs)
                  .child("items", kEventNs)
                  .child("retract", kEventNs)
                  .attr("id"),
              "hello");
    EXPECT_TRUE(item_ids(alice->items(node())).empty());
}

TEST_F(Pubsub, NotificationsWithoutPayloadsAndWithoutRetractNotices) {
    auto alice = login("alice");
    auto bob = login("bob");
    ASSERT_EQ(alice
                  ->create(node(), node_config_form({{"pubsub#deliver_payloads", "0"},
                                                     {"pubsub#notify_retract", "false"}}))
                  .attr("type"),
              "result");
    ASSERT_EQ(bob->subscribe(node()).attr("type"), "result");
    // Items may go without payload now, and notifications carry none.
    ASSERT_EQ(alice->publish(node(), "<item id='bare'/>").attr("type"), "result");
    ASSERT_EQ(alice->publish(node(), entry("full", "secret")).attr("type"), "result");
    for (const char* id : {"bare", "full"}) {
        Stanza note = bob->wait(event("items", node()));
        ASSERT_TRUE(note) << bob->client().trace();
        Element item =
            note.child("event", kEventNs).child("items", kEventNs).child("item", kEventNs);
        EXPECT_EQ(item.attr("id"), id);
        EXPECT_FALSE(item.first_child()) << note.serialize();
    }
    // The payload is still stored for those who retrieve it.
    EXPECT_NE(bob->items(node()).serialize().find("secret"), std::string::npos);
    // A retraction is quiet unless the publisher asks for notify.
    ASSERT_EQ(alice->pubsub("set", "<retract node='" + node() + "'><item id='bare'/></retract>")
                  .attr("type"),
              "result");
    ASSERT_EQ(alice
                  ->pubsub("set", "<retract node='" + node() +
                                      "' notify='true'><item id='full'/></retract>")
                  .attr("type"),
              "result");
    Stanza note = bob->wait(event("items", node()));
    ASSERT_TRUE(note) << bob->client().trace();
    EXPECT_EQ(note.child("event", kEventNs)
                  .child("items", kEventNs)
                  .child("retract", kEventNs)
                  .attr("id"),
              "full")
        << "the quiet retraction must not have been notified: " << note.serialize();
}

TEST_F(Pubsub, SubscribeAndUnsubscribe) {
    auto alice = login("alice");
    auto bob = login("bob");
    ASSERT_EQ(alice->create(node()).attr("type"), "result");

    Stanza r = bob->subscribe(node(), alice->bare());
    EXPECT_EQ(error_condition(r), "bad-request") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "invalid-jid");
    r = bob->subscribe("missing-" + node());
    EXPECT_EQ(error_condition(r), "item-not-found") << r.serialize();
    r = bob->pubsub("set", "<subscribe jid='" + bob->full() + "'/>");
    EXPECT_EQ(pubsub_error(r), "nodeid-required") << r.serialize();

    ASSERT_EQ(bob->subscribe(node()).attr("type"), "result");
    ASSERT_EQ(bob->subscribe(node(), bob->bare()).attr("type"), "result");
    // Subscribing twice changes nothing.
    Stanza twice = bob->subscribe(node());
    EXPECT_EQ(
        twice.child("pubsub", kPubsubNs).child("subscription", kPubsubNs).attr("subscription"),
        "subscribed");

    Stanza mine = bob->pubsub("get", "<subscriptions/>");
    ASSERT_EQ(mine.attr("type"), "result") << mine.serialize();
    std::vector<std::string> jids;
    for (Element s : mine.child("pubsub", kPubsubNs)
                         .child("subscriptions", kPubsubNs)
                         .children("subscription", kPubsubNs)) {
        if (s.attr("node") == node()) {
            jids.emplace_back(s.attr("jid"));
            EXPECT_EQ(s.attr("subscription"), "subscribed");
        }
    }
    EXPECT_EQ(jids, (std::vector<std::string>{bob->full(), bob->bare()}));

    std::string unsubscribe = "<unsubscribe node='" + node() + "' jid='" + bob->full() + "'/>";
    r = alice->pubsub("set", "<unsubscribe node='" + node() + "' jid='" + alice->full() + "'/>");
    EXPECT_EQ(error_condition(r), "unexpected-request") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "not-subscribed");
    r = bob->pubsub("set", "<unsubscribe node='" + node() + "' jid='" + bob->full() +
                               "' subid='made-up'/>");
    EXPECT_EQ(pubsub_error(r), "invalid-subid") << r.serialize();
    EXPECT_EQ(bob->pubsub("set", unsubscribe).attr("type"), "result");
    r = bob->pubsub("set", unsubscribe);
    EXPECT_EQ(pubsub_error(r), "not-subscribed") << r.serialize();

    // Only the bare-JID subscription is left.
    mine = bob->pubsub("get", "<subscriptions node='" + node() + "'/>");
    auto left = mine.child("pubsub", kPubsubNs)
                    .child("subscriptions", kPubsubNs)
                    .children("subscription", kPubsubNs);
    ASSERT_EQ(left.size(), 1u) << mine.serialize();
    EXPECT_EQ(left[0].attr("jid"), bob->bare());
}

TEST_F(Pubsub, DeleteNotifiesSubscribersAndForgetsTheNode) {
    auto alice = login("alice");
    auto bob = login("bob");
    ASSERT_EQ(alice->create(node()).attr("type"), "result");
    ASSERT_EQ(alice->publish(node(), entry("one", "1")).attr("type"), "result");
    ASSERT_EQ(bob->subscribe(node()).attr("type"), "result");

    Stanza r = bob->owner("set", "<delete node='" + node() + "'/>");
    EXPECT_EQ(error_condition(r), "forbidden") << r.serialize();
    r = alice->owner("set", "<delete node='" + node() + "'/>");
    ASSERT_EQ(r.attr("type"), "result") << r.serialize();
    Stanza note = bob->wait(event("delete", node()));
    EXPECT_TRUE(note) << bob->client().trace();
    EXPECT_EQ(error_condition(alice->items(node())), "item-not-found");
    r = alice->owner("set", "<delete node='" + node() + "'/>");
    EXPECT_EQ(error_condition(r), "item-not-found") << r.serialize();

    // The name is free again, with nothing of the old node.
    ASSERT_EQ(alice->create(node()).attr("type"), "result");
    EXPECT_TRUE(item_ids(alice->items(node())).empty());
    Stanza subs = alice->subscriptions(node());
    EXPECT_FALSE(subscription_list(subs).first_child()) << subs.serialize();
}

TEST_F(Pubsub, PurgeRemovesEveryItemAndNotifies) {
    auto alice = login("alice");
    auto bob = login("bob");
    ASSERT_EQ(alice->create(node()).attr("type"), "result");
    for (const char* id : {"1", "2"}) {
        ASSERT_EQ(alice->publish(node(), entry(id, id)).attr("type"), "result");
    }
    ASSERT_EQ(bob->subscribe(node()).attr("type"), "result");
    Stanza r = bob->owner("set", "<purge node='" + node() + "'/>");
    EXPECT_EQ(error_condition(r), "forbidden") << r.serialize();
    r = alice->owner("set", "<purge node='" + node() + "'/>");
    ASSERT_EQ(r.attr("type"), "result") << r.serialize();
    EXPECT_TRUE(bob->wait(event("purge", node()))) << bob->client().trace();
    EXPECT_TRUE(item_ids(alice->items(node())).empty());
    r = alice->owner("set", "<purge node='missing-" + node() + "'/>");
    EXPECT_EQ(error_condition(r), "item-not-found") << r.serialize();
}

TEST_F(Pubsub, OwnerManagesAffiliations) {
    auto alice = login("alice");
    auto bob = login("bob");
    auto carol = login("carol");
    ASSERT_EQ(alice->create(node()).attr("type"), "result");

    Stanza list = alice->owner("get", "<affiliations node='" + node() + "'/>");
    ASSERT_EQ(list.attr("type"), "result") << list.serialize();
    Element a = list.child("pubsub", kOwnerNs)
                    .child("affiliations", kOwnerNs)
                    .child("affiliation", kOwnerNs);
    EXPECT_EQ(a.attr("jid"), alice->bare());
    EXPECT_EQ(a.attr("affiliation"), "owner");
    EXPECT_EQ(error_condition(bob->owner("get", "<affiliations node='" + node() + "'/>")),
              "forbidden");

    // A publisher may publish and retract any item.
    EXPECT_EQ(error_condition(bob->publish(node(), entry("b", "b"))), "forbidden");
    ASSERT_EQ(alice->set_affiliation(node(), bob->bare(), "publisher").attr("type"), "result");
    EXPECT_EQ(bob->publish(node(), entry("b", "b")).attr("type"), "result");
    ASSERT_EQ(alice->publish(node(), entry("a", "a")).attr("type"), "result");
    EXPECT_EQ(
        bob->pubsub("set", "<retract node='" + node() + "'><item id='a'/></retract>").attr("type"),
        "result");
    Stanza own = bob->pubsub("get", "<affiliations/>");
    bool found = false;
    for (Element e : own.child("pubsub", kPubsubNs)
                         .child("affiliations", kPubsubNs)
                         .children("affiliation", kPubsubNs)) {
        found = found || (e.attr("node") == node() && e.attr("affiliation") == "publisher");
    }
    EXPECT_TRUE(found) << own.serialize();

    // An outcast may neither subscribe nor read; the ban ends a subscription it had.
    ASSERT_EQ(carol->subscribe(node()).attr("type"), "result");
    ASSERT_EQ(alice->set_affiliation(node(), carol->bare(), "outcast").attr("type"), "result");
    EXPECT_EQ(error_condition(carol->subscribe(node())), "forbidden");
    EXPECT_EQ(error_condition(carol->items(node())), "forbidden");
    Stanza subs = alice->subscriptions(node());
    EXPECT_EQ(subs.serialize().find(carol->bare()), std::string::npos) << subs.serialize();

    // publish-only: may publish, may not read.
    ASSERT_EQ(alice->set_affiliation(node(), carol->bare(), "publish-only").attr("type"), "result");
    EXPECT_EQ(carol->publish(node(), entry("c", "c")).attr("type"), "result");
    EXPECT_EQ(error_condition(carol->items(node())), "forbidden");

    // The last owner cannot leave; the refused entry comes back unchanged.
    Stanza last = alice->set_affiliation(node(), alice->bare(), "none");
    EXPECT_EQ(error_condition(last), "not-acceptable") << last.serialize();
    Element refused = last.child("pubsub", kOwnerNs)
                          .child("affiliations", kOwnerNs)
                          .child("affiliation", kOwnerNs);
    EXPECT_EQ(refused.attr("jid"), alice->bare()) << last.serialize();
    EXPECT_EQ(refused.attr("affiliation"), "owner") << last.serialize();
    // With a second owner she may.
    ASSERT_EQ(alice->set_affiliation(node(), bob->bare(), "owner").attr("type"), "result");
    EXPECT_EQ(alice->set_affiliation(node(), alice->bare(), "none").attr("type"), "result");
    EXPECT_EQ(error_condition(alice->owner("get", "<configure node='" + node() + "'/>")),
              "forbidden");
    Stanza bad = bob->set_affiliation(node(), carol->bare(), "overlord");
    EXPECT_EQ(error_condition(bad), "not-acceptable") << bad.serialize();
}

TEST_F(Pubsub, OwnerManagesSubscriptions) {
    auto alice = login("alice");
    auto bob = login("bob");
    auto carol = login("carol");
    ASSERT_EQ(alice->create(node()).attr("type"), "result");
    ASSERT_EQ(bob->subscribe(node()).attr("type"), "result");

    Stanza list = alice->subscriptions(node());
    Element s = subscription_list(list).child("subscription", kOwnerNs);
    EXPECT_EQ(s.attr("jid"), bob->full()) << list.serialize();
    EXPECT_EQ(s.attr("subscription"), "subscribed");
    EXPECT_EQ(error_condition(bob->subscriptions(node())), "forbidden");

    // The owner subscribes carol and removes bob; both are told.
    Stanza set =
        alice->set_subscriptions(node(), {{carol->full(), "subscribed"}, {bob->full(), "none"}});
    ASSERT_EQ(set.attr("type"), "result") << set.serialize();
    Stanza removed = bob->wait([&](const Stanza& m) {
        return m.name() == "message" &&
               m.child("event", kEventNs).child("subscription", kEventNs).attr("subscription") ==
                   "none";
    });
    EXPECT_TRUE(removed) << bob->client().trace();
    ASSERT_EQ(alice->publish(node(), entry("x", "for carol")).attr("type"), "result");
    EXPECT_TRUE(carol->wait(event("items", node()))) << carol->client().trace();

    Stanza bad = alice->set_subscriptions(node(), {{carol->full(), "maybe"}});
    EXPECT_EQ(error_condition(bad), "not-acceptable") << bad.serialize();
}

TEST_F(Pubsub, WhitelistNodesAdmitOnlyAffiliatedEntities) {
    auto alice = login("alice");
    auto bob = login("bob");
    auto carol = login("carol");
    ASSERT_EQ(alice->create(node(), node_config_form({{"pubsub#access_model", "whitelist"}}))
                  .attr("type"),
              "result");
    ASSERT_EQ(alice->publish(node(), entry("1", "members only")).attr("type"), "result");

    Stanza r = carol->subscribe(node());
    EXPECT_EQ(error_condition(r), "not-allowed") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "closed-node");
    r = carol->items(node());
    EXPECT_EQ(error_condition(r), "not-allowed") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "closed-node");

    ASSERT_EQ(alice->set_affiliation(node(), bob->bare(), "member").attr("type"), "result");
    EXPECT_EQ(item_ids(bob->items(node())), strings({"1"}));
    EXPECT_EQ(bob->subscribe(node()).attr("type"), "result");
    // Taken off the whitelist, bob loses his subscription.
    ASSERT_EQ(alice->set_affiliation(node(), bob->bare(), "none").attr("type"), "result");
    EXPECT_EQ(error_condition(bob->items(node())), "not-allowed");
    Stanza subs = alice->subscriptions(node());
    EXPECT_FALSE(subscription_list(subs).first_child()) << subs.serialize();
}

TEST_F(Pubsub, AuthorizeNodesNeedTheOwnersApproval) {
    auto alice = login("alice");
    auto bob = login("bob");
    auto carol = login("carol");
    alice->client().send("<presence/>"); // authorization requests go to available resources
    ASSERT_EQ(alice->create(node(), node_config_form({{"pubsub#access_model", "authorize"}}))
                  .attr("type"),
              "result");
    ASSERT_EQ(alice->publish(node(), entry("1", "approved readers only")).attr("type"), "result");

    Stanza pending = bob->subscribe(node());
    ASSERT_EQ(pending.attr("type"), "result") << pending.serialize();
    EXPECT_EQ(
        pending.child("pubsub", kPubsubNs).child("subscription", kPubsubNs).attr("subscription"),
        "pending");
    Stanza r = bob->items(node());
    EXPECT_EQ(error_condition(r), "not-authorized") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "not-subscribed");

    // The owner gets the subscribe_authorization form and approves.
    Stanza request =
        alice->wait([](const Stanza& m) { return m.name() == "message" && m.child("x", kDataNs); });
    ASSERT_TRUE(request) << alice->client().trace();
    Element x = request.child("x", kDataNs);
    EXPECT_EQ(form_value(x, "FORM_TYPE"),
              "http://jabber.org/protocol/pubsub#subscribe_authorization");
    EXPECT_EQ(form_value(x, "pubsub#node"), node());
    EXPECT_EQ(form_value(x, "pubsub#subscriber_jid"), bob->full());
    alice->client().send("<message to='pubsub.localhost'>" +
                         submit_form("http://jabber.org/protocol/pubsub#subscribe_authorization",
                                     {{"pubsub#subid", form_value(x, "pubsub#subid")},
                                      {"pubsub#node", node()},
                                      {"pubsub#subscriber_jid", bob->full()},
                                      {"pubsub#allow", "true"}}) +
                         "</message>");
    Stanza approved = bob->wait([&](const Stanza& m) {
        Element s = m.child("event", kEventNs).child("subscription", kEventNs);
        return m.name() == "message" && s.attr("node") == node() &&
               s.attr("subscription") == "subscribed";
    });
    ASSERT_TRUE(approved) << bob->client().trace();
    EXPECT_EQ(item_ids(bob->items(node())), strings({"1"}));
    ASSERT_EQ(alice->publish(node(), entry("2", "news")).attr("type"), "result");
    EXPECT_TRUE(bob->wait(event("items", node()))) << bob->client().trace();

    // The owner can also decide through the subscription list: carol is refused.
    ASSERT_EQ(carol->subscribe(node()).attr("type"), "result");
    ASSERT_EQ(alice->set_subscriptions(node(), {{carol->full(), "none"}}).attr("type"), "result");
    EXPECT_EQ(pubsub_error(carol->items(node())), "not-subscribed");
}

TEST_F(Pubsub, PresenceAndRosterNodesFollowTheOwnersRoster) {
    auto alice = login("alice");
    auto bob = login("bob");
    auto carol = login("carol");
    ASSERT_EQ(
        alice->create(node("presence"), node_config_form({{"pubsub#access_model", "presence"}}))
            .attr("type"),
        "result");
    ASSERT_EQ(alice->create(node("roster"), node_config_form({{"pubsub#access_model", "roster"}}))
                  .attr("type"),
              "result");

    Stanza r = bob->items(node("presence"));
    EXPECT_EQ(error_condition(r), "not-authorized") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "presence-subscription-required");
    r = carol->subscribe(node("roster"));
    EXPECT_EQ(error_condition(r), "not-authorized") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "not-in-roster-group");

    // bob asks for alice's presence and alice approves: bob may read the presence node.
    alice->client().send("<presence/>");
    bob->client().send("<presence to='alice@localhost' type='subscribe'/>");
    ASSERT_TRUE(alice->wait([](const Stanza& p) {
        return p.name() == "presence" && p.attr("type") == "subscribe";
    })) << alice->client().trace();
    alice->client().send("<presence to='bob@localhost' type='subscribed'/>");
    ASSERT_TRUE(
        wait_until([&] { return bob->items(node("presence")).attr("type") == "result"; }, 5s))
        << bob->items(node("presence")).serialize();

    // carol in alice's roster (any group): she may subscribe to the roster node.
    ASSERT_EQ(alice
                  ->iq("set",
                       "<query xmlns='jabber:iq:roster'><item jid='carol@localhost'/>"
                       "</query>",
                       "")
                  .attr("type"),
              "result");
    EXPECT_EQ(carol->subscribe(node("roster")).attr("type"), "result");
}

TEST_F(Pubsub, PublishModelsDecideWhoMayPublish) {
    auto alice = login("alice");
    auto bob = login("bob");
    auto carol = login("carol");
    ASSERT_EQ(alice->create(node("open"), node_config_form({{"pubsub#publish_model", "open"}}))
                  .attr("type"),
              "result");
    ASSERT_EQ(alice
                  ->create(node("subscribers"),
                           node_config_form({{"pubsub#publish_model", "subscribers"}}))
                  .attr("type"),
              "result");
    EXPECT_EQ(carol->publish(node("open"), entry("c", "anyone")).attr("type"), "result");
    // Anyone may take back their own item, not someone else's.
    ASSERT_EQ(bob->publish(node("open"), entry("b", "bob's")).attr("type"), "result");
    EXPECT_EQ(error_condition(carol->pubsub("set", "<retract node='" + node("open") +
                                                       "'><item id='b'/></retract>")),
              "forbidden");
    EXPECT_EQ(carol->pubsub("set", "<retract node='" + node("open") + "'><item id='c'/></retract>")
                  .attr("type"),
              "result");

    EXPECT_EQ(error_condition(bob->publish(node("subscribers"), entry("b", "x"))), "forbidden");
    ASSERT_EQ(bob->subscribe(node("subscribers")).attr("type"), "result");
    EXPECT_EQ(bob->publish(node("subscribers"), entry("b", "x")).attr("type"), "result");
}

TEST_F(Pubsub, PublishOptionsArePreconditions) {
    auto alice = login("alice");
    ASSERT_EQ(alice->create(node()).attr("type"), "result");
    auto publish_with = [&](std::string_view id, const std::string& access_model) {
        return alice->pubsub("set",
                             "<publish node='" + node() + "'>" + entry(id, "x") +
                                 "</publish><publish-options>" +
                                 submit_form("http://jabber.org/protocol/pubsub#publish-options",
                                             {{"pubsub#access_model", access_model}}) +
                                 "</publish-options>");
    };
    EXPECT_EQ(publish_with("met", "open").attr("type"), "result");
    Stanza r = publish_with("unmet", "whitelist");
    EXPECT_EQ(error_condition(r), "conflict") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "precondition-not-met");
    EXPECT_EQ(item_ids(alice->items(node())), strings({"met"}));
}

TEST_F(Pubsub, AutocreateOnPublishCreatesTheNode) {
    auto alice = login("alice");
    auto bob = login("bob");
    constexpr std::string_view kAuto = "auto.localhost";
    Stanza r = alice->publish(node(), entry("1", "first"), kAuto);
    ASSERT_EQ(r.attr("type"), "result") << r.serialize();
    Stanza affs = alice->owner("get", "<affiliations node='" + node() + "'/>", kAuto);
    EXPECT_NE(affs.serialize().find("affiliation='owner'"), std::string::npos) << affs.serialize();
    r = bob->pubsub("get", "<items node='" + node() + "'/>", kAuto);
    EXPECT_EQ(item_ids(r), strings({"1"})) << r.serialize();

    // The publish-options of the first publish configure the new node.
    r = alice->pubsub("set",
                      "<publish node='" + node("private") + "'>" + entry("1", "x") +
                          "</publish><publish-options>" +
                          submit_form("http://jabber.org/protocol/pubsub#publish-options",
                                      {{"pubsub#access_model", "whitelist"}}) +
                          "</publish-options>",
                      kAuto);
    ASSERT_EQ(r.attr("type"), "result") << r.serialize();
    r = bob->pubsub("get", "<items node='" + node("private") + "'/>", kAuto);
    EXPECT_EQ(pubsub_error(r), "closed-node") << r.serialize();
}

TEST_F(Pubsub, DiscoShowsTheServiceAndItsNodes) {
    auto alice = login("alice");
    ASSERT_EQ(
        alice->create(node(), node_config_form({{"pubsub#title", "Disco node"}})).attr("type"),
        "result");
    ASSERT_EQ(alice->publish(node(), entry("i1", "x")).attr("type"), "result");

    Stanza info = alice->iq("get", "<query xmlns='http://jabber.org/protocol/disco#info'/>");
    ASSERT_EQ(info.attr("type"), "result") << info.serialize();
    Element query = info.child("query", kDiscoInfoNs);
    EXPECT_EQ(query.child("identity", kDiscoInfoNs).attr("category"), "pubsub");
    EXPECT_EQ(query.child("identity", kDiscoInfoNs).attr("type"), "service");
    std::vector<std::string> features;
    for (Element f : query.children("feature", kDiscoInfoNs)) {
        features.emplace_back(f.attr("var"));
    }
    for (const char* f :
         {"http://jabber.org/protocol/pubsub", "http://jabber.org/protocol/pubsub#publish",
          "http://jabber.org/protocol/pubsub#create-nodes",
          "http://jabber.org/protocol/pubsub#publish-options"}) {
        EXPECT_NE(std::find(features.begin(), features.end(), f), features.end()) << f;
    }

    Stanza items = alice->iq("get", "<query xmlns='http://jabber.org/protocol/disco#items'/>");
    bool listed = false;
    for (Element item : items.child("query", kDiscoItemsNs).children("item", kDiscoItemsNs)) {
        if (item.attr("node") == node()) {
            listed = true;
            EXPECT_EQ(item.attr("jid"), kService);
            EXPECT_EQ(item.attr("name"), "Disco node");
        }
    }
    EXPECT_TRUE(listed) << items.serialize();

    Stanza node_info = alice->iq("get", "<query xmlns='http://jabber.org/protocol/disco#info' "
                                        "node='" +
                                            node() + "'/>");
    ASSERT_EQ(node_info.attr("type"), "result") << node_info.serialize();
    query = node_info.child("query", kDiscoInfoNs);
    EXPECT_EQ(query.attr("node"), node());
    EXPECT_EQ(query.child("identity", kDiscoInfoNs).attr("type"), "leaf");
    Element meta = query.child("x", kDataNs);
    EXPECT_EQ(form_value(meta, "FORM_TYPE"), "http://jabber.org/protocol/pubsub#meta-data");
    EXPECT_EQ(form_value(meta, "pubsub#title"), "Disco node");
    EXPECT_EQ(form_value(meta, "pubsub#owner"), alice->bare());

    Stanza node_items = alice->iq("get", "<query xmlns='http://jabber.org/protocol/disco#items' "
                                         "node='" +
                                             node() + "'/>");
    EXPECT_EQ(node_items.child("query", kDiscoItemsNs).child("item", kDiscoItemsNs).attr("name"),
              "i1")
        << node_items.serialize();
    Stanza missing = alice->iq("get", "<query xmlns='http://jabber.org/protocol/disco#info' "
                                      "node='missing-" +
                                          node() + "'/>");
    EXPECT_EQ(error_condition(missing), "item-not-found") << missing.serialize();
}

TEST_F(Pubsub, UnknownRequestsGetClearErrors) {
    auto alice = login("alice");
    Stanza r = alice->pubsub("set", "");
    EXPECT_EQ(error_condition(r), "bad-request") << r.serialize();
    r = alice->pubsub("get", "<options node='x' jid='" + alice->full() + "'/>");
    EXPECT_EQ(error_condition(r), "feature-not-implemented") << r.serialize();
    EXPECT_EQ(pubsub_error(r), "unsupported");
    r = alice->owner("set", "<frobnicate node='x'/>");
    EXPECT_EQ(error_condition(r), "feature-not-implemented") << r.serialize();
}

// Everything survives a restart: nodes, configuration, items in order, affiliations and
// subscriptions.
TEST(PubsubRestart, NodesItemsAndSubscriptionsSurviveARestart) {
    Server server;
    ASSERT_NO_FATAL_FAILURE(server.prepare({}, "Component \"pubsub.localhost\" \"pubsub\"\n"));
    ASSERT_NO_FATAL_FAILURE(server.start());
    const std::string node = "durable";
    {
        User alice(server, "alice");
        User bob(server, "bob");
        ASSERT_TRUE(alice.connect());
        ASSERT_TRUE(bob.connect());
        ASSERT_EQ(alice
                      .create(node, node_config_form(
                                        {{"pubsub#title", "Kept"}, {"pubsub#max_items", "10"}}))
                      .attr("type"),
                  "result");
        for (const char* id : {"one", "two", "three"}) {
            ASSERT_EQ(alice.publish(node, entry(id, id)).attr("type"), "result");
        }
        ASSERT_EQ(alice.publish(node, entry("one", "one again")).attr("type"), "result");
        ASSERT_EQ(alice.set_affiliation(node, "carol@localhost", "publisher").attr("type"),
                  "result");
        ASSERT_EQ(bob.subscribe(node).attr("type"), "result");
    }
    ASSERT_NO_FATAL_FAILURE(server.stop_cleanly());

    ASSERT_NO_FATAL_FAILURE(server.start());
    {
        User alice(server, "alice");
        User bob(server, "bob");
        ASSERT_TRUE(alice.connect());
        ASSERT_TRUE(bob.connect());
        Stanza items = bob.items(node);
        EXPECT_EQ(item_ids(items), strings({"two", "three", "one"})) << items.serialize();
        EXPECT_NE(items.serialize().find("one again"), std::string::npos);
        Stanza form = alice.owner("get", "<configure node='" + node + "'/>");
        Element x = form.child("pubsub", kOwnerNs).child("configure", kOwnerNs).child("x", kDataNs);
        EXPECT_EQ(form_value(x, "pubsub#title"), "Kept") << form.serialize();
        EXPECT_EQ(form_value(x, "pubsub#max_items"), "10");
        Stanza affs = alice.owner("get", "<affiliations node='" + node + "'/>");
        EXPECT_NE(affs.serialize().find("carol@localhost"), std::string::npos) << affs.serialize();
        // bob's subscription still holds: he hears of a new item.
        ASSERT_EQ(alice.publish(node, entry("four", "after the restart")).attr("type"), "result");
        EXPECT_TRUE(bob.wait(event("items", node))) << bob.client().trace() << server.log_tail();
        // Generated ids after the restart do not collide with stored ones.
        Stanza generated = alice.publish(node, entry({}, "new"));
        EXPECT_EQ(generated.attr("type"), "result") << generated.serialize();
        EXPECT_EQ(item_ids(bob.items(node)).size(), 5u);
    }
    // After the clients left: a client closing its stream to a stopped server gets SIGPIPE.
    server.stop_cleanly();
}

} // namespace
} // namespace cadenza::test
