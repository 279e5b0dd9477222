// XMPP client connections as clients meet them: the real server binary on a generated config,
// accounts made with cadenzactl, libstrophe as the client, and a raw TCP client for what no
// client would send (bad XML, wrong namespaces, SASL before TLS). Each test runs its own server.
#include "raw_xmpp.hpp"
#include "sasl_client.hpp"
#include "server_process.hpp"
#include "test_cert.hpp"
#include "test_config.hpp"
#include "xmpp_client.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <optional>

namespace cadenza::test {
namespace {

constexpr std::string_view kRosterNs = "jabber:iq:roster";
constexpr std::string_view kDiscoInfoNs = "http://jabber.org/protocol/disco#info";
const std::string kPing = "<ping xmlns='urn:xmpp:ping'/>";

std::string describe(const XmppConnectResult& r, const XmppClient& client) {
    return "error: " + r.error + "\nstream error: " + r.stream_error +
           "\nSASL failure: " + r.sasl_failure + "\n--- client trace ---\n" + client.trace();
}

XmppClient::Predicate presence_of_type(std::string_view type) {
    return [type = std::string(type)](const Stanza& s) {
        return s.name() == "presence" && s.attr("type") == type;
    };
}

XmppClient::Predicate presence_with_status(std::string_view from, std::string_view status) {
    return [from = std::string(from), status = std::string(status)](const Stanza& s) {
        return s.name() == "presence" && s.attr("from") == from && !s.has_attr("type") &&
               s.child_text("status", s.ns()) == status;
    };
}

XmppClient::Predicate error_reply(std::string_view name, std::string_view id) {
    return [name = std::string(name), id = std::string(id)](const Stanza& s) {
        return s.name() == name && s.attr("id") == id && s.attr("type") == "error";
    };
}

std::vector<std::string> disco_features(const Stanza& info) {
    std::vector<std::string> out;
    for (Element f : info.child("query", kDiscoInfoNs).children("feature", kDiscoInfoNs)) {
        out.emplace_back(f.attr("var"));
    }
    return out;
}

bool contains(const std::vector<std::string>& list, std::string_view value) {
    return std::find(list.begin(), list.end(), value) != list.end();
}

class XmppC2s : public ::testing::Test {
protected:
    // Writes the config (loopback, TLS with a fresh self-signed certificate for localhost,
    // `globals` added to the global section, then VirtualHost "localhost" and `hosts`),
    // registers alice and bob (password "secret") with cadenzactl and starts the server.
    void start(std::string_view globals = {}, std::string_view hosts = {}) {
        port_ = free_port();
        cert_ = make_test_cert(dir_.path(), "localhost");
        std::string config = loopback_globals(free_port());
        config += c2s_globals(port_) + ssl_globals(cert_);
        config += globals;
        config += "VirtualHost \"localhost\"\n";
        config += hosts;
        ASSERT_EQ(register_accounts(dir_, config, {"alice", "bob"}), "");
        server_ = std::make_unique<CadenzaServer>(dir_, config);
        ASSERT_TRUE(server_->wait_started()) << server_->log();
    }

    // The server must stop cleanly after every test (a crash or a sanitizer report fails it);
    // on failure its log helps more than anything else.
    void TearDown() override {
        if (!server_) {
            return;
        }
        expect_clean_stop(*server_);
    }

    // Client options: the certificate is verified against the test certificate.
    XmppClientOptions options(std::string resource = {}, std::string mechanism = {}) const {
        XmppClientOptions o;
        o.ca_file = cert_.cert_file;
        o.resource = std::move(resource);
        o.mechanism = std::move(mechanism);
        return o;
    }

    std::unique_ptr<XmppClient> client(const std::string& user, XmppClientOptions o,
                                       const std::string& password = "secret") const {
        return std::make_unique<XmppClient>(port_, user + "@localhost", password, std::move(o));
    }

    // A raw connection that sent its stream header and got the stream features.
    std::unique_ptr<RawXmppConnection> raw_stream() const {
        auto raw = std::make_unique<RawXmppConnection>(port_);
        EXPECT_TRUE(raw->send(client_stream_header("localhost")));
        EXPECT_TRUE(raw->read_until("</stream:features>")) << raw->transcript();
        return raw;
    }

    TempDir dir_;
    TestCert cert_;
    int port_ = 0;
    std::unique_ptr<CadenzaServer> server_;
};

TEST_F(XmppC2s, TwoUsersChatAndSeeEachOthersPresenceOverStartTls) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto alice = client("alice", options("laptop"));
    auto bob = client("bob", options("phone"));
    XmppConnectResult r = alice->connect();
    ASSERT_TRUE(r) << describe(r, *alice);
    r = bob->connect();
    ASSERT_TRUE(r) << describe(r, *bob);
    EXPECT_TRUE(alice->secured());
    EXPECT_EQ(alice->mechanism(), "SCRAM-SHA-256") << alice->trace();
    EXPECT_EQ(alice->bound_jid(), "alice@localhost/laptop");
    EXPECT_EQ(bob->bound_jid(), "bob@localhost/phone");

    // Both come online, as clients do after login.
    alice->send("<presence/>");
    bob->send("<presence/>");

    // Alice writes to Bob's full JID; Bob answers to her bare JID.
    alice->send("<message to='bob@localhost/phone' type='chat' id='m1'>"
                "<body>Hello Bob</body></message>");
    Stanza message = bob->wait_for(xmpp_match::message_with_body("Hello Bob"));
    ASSERT_TRUE(message) << bob->trace();
    EXPECT_EQ(message.attr("from"), "alice@localhost/laptop");
    EXPECT_EQ(message.attr("type"), "chat");
    bob->send("<message to='alice@localhost' type='chat' id='m2'>"
              "<body>Hi Alice</body></message>");
    message = alice->wait_for(xmpp_match::message_with_body("Hi Alice"));
    ASSERT_TRUE(message) << alice->trace();
    EXPECT_EQ(message.attr("from"), "bob@localhost/phone");

    // Alice asks for Bob's presence; Bob approves and asks back; Alice approves.
    alice->send("<presence to='bob@localhost' type='subscribe'/>");
    Stanza request = bob->wait_for(presence_of_type("subscribe"));
    ASSERT_TRUE(request) << bob->trace();
    EXPECT_EQ(request.attr("from"), "alice@localhost");
    bob->send("<presence to='alice@localhost' type='subscribed'/>");
    Stanza approval = alice->wait_for(presence_of_type("subscribed"));
    ASSERT_TRUE(approval) << alice->trace();
    EXPECT_EQ(approval.attr("from"), "bob@localhost");
    bob->send("<presence to='alice@localhost' type='subscribe'/>");
    request = alice->wait_for(presence_of_type("subscribe"));
    ASSERT_TRUE(request) << alice->trace();
    EXPECT_EQ(request.attr("from"), "bob@localhost");
    alice->send("<presence to='bob@localhost' type='subscribed'/>");
    approval = bob->wait_for(presence_of_type("subscribed"));
    ASSERT_TRUE(approval) << bob->trace();
    EXPECT_EQ(approval.attr("from"), "alice@localhost");

    // Both rosters now say "both".
    Stanza roster =
        alice->request("<iq type='get' id='roster1'><query xmlns='jabber:iq:roster'/></iq>");
    ASSERT_EQ(roster.attr("type"), "result") << alice->trace();
    Element item = roster.child("query", kRosterNs).child("item", kRosterNs);
    EXPECT_EQ(item.attr("jid"), "bob@localhost") << roster.serialize();
    EXPECT_EQ(item.attr("subscription"), "both") << roster.serialize();

    // Presence they send now reaches the other.
    alice->send("<presence><status>alice here</status></presence>");
    Stanza presence = bob->wait_for(presence_with_status("alice@localhost/laptop", "alice here"));
    EXPECT_TRUE(presence) << bob->received_text();
    bob->send("<presence><status>bob here</status></presence>");
    presence = alice->wait_for(presence_with_status("bob@localhost/phone", "bob here"));
    EXPECT_TRUE(presence) << alice->received_text();

    // Alice leaves: Bob sees her go.
    alice->disconnect();
    Stanza gone = bob->wait_for([](const Stanza& s) {
        return s.name() == "presence" && s.attr("type") == "unavailable" &&
               s.attr("from") == "alice@localhost/laptop";
    });
    EXPECT_TRUE(gone) << bob->received_text();
}

TEST_F(XmppC2s, ScramSha1AndPlainOverTlsLogIn) {
    ASSERT_NO_FATAL_FAILURE(start());
    for (const char* mechanism : {"SCRAM-SHA-1", "PLAIN", "SCRAM-SHA-256"}) {
        SCOPED_TRACE(mechanism);
        // No resource asked: the server chooses one.
        auto alice = client("alice", options({}, mechanism));
        XmppConnectResult r = alice->connect();
        ASSERT_TRUE(r) << describe(r, *alice);
        EXPECT_EQ(alice->mechanism(), mechanism);
        EXPECT_TRUE(alice->secured());
        EXPECT_TRUE(alice->bound_jid().starts_with("alice@localhost/") &&
                    alice->bound_jid().size() > std::string("alice@localhost/").size())
            << alice->bound_jid();
        Stanza pong = alice->request("<iq type='get' to='localhost' id='ping1'>" + kPing + "</iq>");
        EXPECT_EQ(pong.attr("type"), "result") << alice->trace();
    }
}

TEST_F(XmppC2s, WrongPasswordAndUnknownUserAreNotAuthorized) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto wrong = client("alice", options(), "not the password");
    XmppConnectResult r = wrong->connect(20s);
    EXPECT_FALSE(r.connected);
    EXPECT_EQ(r.sasl_failure, "not-authorized") << describe(r, *wrong);

    auto unknown = client("nobody", options({}, "SCRAM-SHA-256"));
    r = unknown->connect(20s);
    EXPECT_FALSE(r.connected);
    EXPECT_EQ(r.sasl_failure, "not-authorized") << describe(r, *unknown);
    // The server went through the SCRAM exchange as for a real account: its answer to the
    // first message does not tell that the account does not exist.
    EXPECT_EQ(r.sasl_challenges, 1) << describe(r, *unknown);
}

TEST_F(XmppC2s, PlainWithoutTlsIsRefusedEvenWhenEncryptionIsOptional) {
    ASSERT_NO_FATAL_FAILURE(start("c2s_require_encryption = false\n"));
    auto raw = raw_stream();
    std::string features = raw->transcript();
    EXPECT_NE(features.find("SCRAM-SHA-256"), std::string::npos) << features;
    EXPECT_EQ(features.find(">PLAIN<"), std::string::npos) << features;

    std::string plain = base64_encode(std::string("\0alice\0secret", 13));
    ASSERT_TRUE(raw->send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
                          plain + "</auth>"));
    EXPECT_TRUE(raw->read_until("</failure>")) << raw->transcript();
    std::string condition = sasl_failure_condition(raw->transcript());
    EXPECT_TRUE(condition == "encryption-required" || condition == "invalid-mechanism")
        << raw->transcript();
    EXPECT_EQ(raw->transcript().find("<success"), std::string::npos) << raw->transcript();

    // SCRAM on the plaintext stream is allowed here.
    XmppClientOptions no_tls = options("plain");
    no_tls.tls = XmppClientOptions::Tls::kDisabled;
    auto alice = client("alice", no_tls);
    XmppConnectResult r = alice->connect();
    ASSERT_TRUE(r) << describe(r, *alice);
    EXPECT_FALSE(alice->secured());
    EXPECT_EQ(alice->mechanism(), "SCRAM-SHA-256");
}

TEST_F(XmppC2s, PlainWithoutTlsWorksOnlyWhenExplicitlyAllowed) {
    ASSERT_NO_FATAL_FAILURE(
        start("c2s_require_encryption = false\nallow_unencrypted_plain_auth = true\n"));
    XmppClientOptions plain = options("old", "PLAIN");
    plain.tls = XmppClientOptions::Tls::kDisabled;
    auto alice = client("alice", plain);
    XmppConnectResult r = alice->connect();
    ASSERT_TRUE(r) << describe(r, *alice);
    EXPECT_FALSE(alice->secured());
    EXPECT_EQ(alice->mechanism(), "PLAIN");
}

TEST_F(XmppC2s, SaslBeforeTlsIsRefusedWhenEncryptionIsRequired) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto raw = raw_stream();
    std::string features = raw->transcript();
    EXPECT_NE(features.find("urn:ietf:params:xml:ns:xmpp-tls"), std::string::npos) << features;
    EXPECT_EQ(features.find(">PLAIN<"), std::string::npos) << features;

    SaslClient scram("SCRAM-SHA-256", "alice", "secret");
    ASSERT_TRUE(raw->send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
                          "mechanism='SCRAM-SHA-256'>" +
                          base64_encode(scram.initial_response()) + "</auth>"));
    EXPECT_TRUE(raw->read_until("</failure>")) << raw->transcript();
    std::string condition = sasl_failure_condition(raw->transcript());
    EXPECT_TRUE(condition == "encryption-required" || condition == "invalid-mechanism")
        << raw->transcript();
    EXPECT_EQ(raw->transcript().find("<challenge"), std::string::npos) << raw->transcript();

    std::string plain = base64_encode(std::string("\0alice\0secret", 13));
    ASSERT_TRUE(raw->send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
                          plain + "</auth>"));
    EXPECT_TRUE(raw->read_until("</failure>")) << raw->transcript();
    EXPECT_EQ(raw->transcript().find("<success"), std::string::npos) << raw->transcript();

    // A client that will not do TLS cannot log in at all.
    XmppClientOptions no_tls = options();
    no_tls.tls = XmppClientOptions::Tls::kDisabled;
    auto alice = client("alice", no_tls);
    XmppConnectResult r = alice->connect();
    EXPECT_FALSE(r.connected) << describe(r, *alice);
}

TEST_F(XmppC2s, BadXmlGetsNotWellFormedWhileOthersKeepBeingServed) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto alice = client("alice", options("desk"));
    XmppConnectResult r = alice->connect();
    ASSERT_TRUE(r) << describe(r, *alice);

    auto raw = raw_stream();
    ASSERT_TRUE(raw->send("<message><body>unclosed</message>"));
    EXPECT_TRUE(raw->read_until("</stream:stream>")) << raw->transcript();
    EXPECT_EQ(stream_error_condition(raw->transcript()), "not-well-formed") << raw->transcript();
    EXPECT_TRUE(raw->wait_closed()) << raw->transcript();

    Stanza pong = alice->request("<iq type='get' to='localhost' id='ping1'>" + kPing + "</iq>");
    EXPECT_EQ(pong.attr("type"), "result") << alice->trace();
    alice->send("<message to='" + alice->bound_jid() +
                "' id='self1'><body>still here</body></message>");
    EXPECT_TRUE(alice->wait_for(xmpp_match::message_with_body("still here"))) << alice->trace();
}

TEST_F(XmppC2s, StreamErrorsReachTheClientOverTls) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto raw = raw_stream();
    ASSERT_TRUE(raw->send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"));
    ASSERT_TRUE(raw->read_until("<proceed")) << raw->transcript();
    raw->start_tls("localhost", cert_.cert_file);
    std::size_t before_tls = raw->transcript().size();
    ASSERT_TRUE(raw->send(client_stream_header("localhost")));
    ASSERT_TRUE(raw->read_until("</stream:features>")) << raw->transcript();

    ASSERT_TRUE(raw->send("<message><body>unclosed</message>"));
    EXPECT_TRUE(raw->read_until("</stream:stream>")) << raw->transcript();
    EXPECT_EQ(stream_error_condition(raw->transcript().substr(before_tls)), "not-well-formed")
        << raw->transcript();
    EXPECT_TRUE(raw->wait_closed()) << raw->transcript();
}

TEST_F(XmppC2s, OverSizeStanzaGetsPolicyViolation) {
    ASSERT_NO_FATAL_FAILURE(start("c2s_stanza_size_limit = 4096\n"));
    auto alice = client("alice", options("desk"));
    XmppConnectResult r = alice->connect();
    ASSERT_TRUE(r) << describe(r, *alice);

    // Under the limit: delivered.
    std::string small(3000, 's');
    alice->send("<message to='" + alice->bound_jid() + "' id='small'><body>" + small +
                "</body></message>");
    EXPECT_TRUE(alice->wait_for(xmpp_match::message_with_body(small))) << alice->trace();

    // Over it: the stream ends with policy-violation.
    std::string big(8000, 'b');
    alice->send("<message to='" + alice->bound_jid() + "' id='big'><body>" + big +
                "</body></message>");
    EXPECT_TRUE(alice->wait_disconnected()) << alice->trace();
    EXPECT_EQ(alice->stream_error(), "policy-violation") << alice->trace();

    auto bob = client("bob", options());
    r = bob->connect();
    EXPECT_TRUE(r) << describe(r, *bob);
}

TEST_F(XmppC2s, CommentsProcessingInstructionsAndDoctypesAreRestrictedXml) {
    ASSERT_NO_FATAL_FAILURE(start());
    for (const char* bad : {"<!-- a comment -->", "<?evil instruction?>"}) {
        SCOPED_TRACE(bad);
        auto raw = raw_stream();
        ASSERT_TRUE(raw->send(bad));
        EXPECT_TRUE(raw->read_until("</stream:stream>")) << raw->transcript();
        EXPECT_EQ(stream_error_condition(raw->transcript()), "restricted-xml") << raw->transcript();
        EXPECT_TRUE(raw->wait_closed()) << raw->transcript();
    }

    // A DOCTYPE (with an entity, the start of every expansion attack) before the stream.
    RawXmppConnection raw(port_);
    std::string header = client_stream_header("localhost");
    header.erase(0, header.find("<stream:stream"));
    ASSERT_TRUE(
        raw.send("<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY boom 'boom'>]>" + header));
    EXPECT_TRUE(raw.read_until("</stream:stream>")) << raw.transcript();
    EXPECT_EQ(stream_error_condition(raw.transcript()), "restricted-xml") << raw.transcript();
    EXPECT_TRUE(raw.wait_closed()) << raw.transcript();
}

TEST_F(XmppC2s, WrongNamespacesAndUnknownHostsEndTheStream) {
    ASSERT_NO_FATAL_FAILURE(start());
    struct Case {
        std::string header;
        std::string condition;
    };
    const Case cases[] = {
        {client_stream_header("localhost", "jabber:client", "http://example.com/not-streams"),
         "invalid-namespace"},
        {client_stream_header("localhost", "jabber:not-client"), "invalid-namespace"},
        {client_stream_header("nowhere.example"), "host-unknown"},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.header);
        RawXmppConnection raw(port_);
        ASSERT_TRUE(raw.send(c.header));
        EXPECT_TRUE(raw.read_until("</stream:stream>")) << raw.transcript();
        EXPECT_EQ(stream_error_condition(raw.transcript()), c.condition) << raw.transcript();
        EXPECT_TRUE(raw.wait_closed()) << raw.transcript();
    }
}

TEST_F(XmppC2s, UnauthenticatedConnectionsTimeOut) {
    ASSERT_NO_FATAL_FAILURE(start("c2s_timeout = 1\n"));
    auto raw = raw_stream();
    // Nothing more is sent: after about a second the server gives up on us.
    EXPECT_TRUE(raw->read_until("</stream:stream>", 5s)) << raw->transcript();
    EXPECT_EQ(stream_error_condition(raw->transcript()), "connection-timeout") << raw->transcript();
    EXPECT_TRUE(raw->wait_closed(5s)) << raw->transcript();
}

TEST_F(XmppC2s, MessagesToAComponentReachItsModule) {
    ASSERT_NO_FATAL_FAILURE(start({}, "Component \"echo.localhost\" \"echo\"\n"));
    auto alice = client("alice", options("desk"));
    XmppConnectResult r = alice->connect();
    ASSERT_TRUE(r) << describe(r, *alice);

    alice->send("<message to='echo.localhost' type='chat' id='e1'><body>hello</body></message>");
    Stanza echo = alice->wait_for(xmpp_match::message_with_body("echo: hello"));
    ASSERT_TRUE(echo) << alice->trace();
    EXPECT_EQ(echo.attr("from"), "echo.localhost");
    EXPECT_EQ(echo.attr("to"), "alice@localhost/desk");

    // An address on the component is its message/bare event.
    alice->send(
        "<message to='room@echo.localhost' type='chat' id='e2'><body>anyone</body></message>");
    echo = alice->wait_for(xmpp_match::message_with_body("echo: anyone"));
    ASSERT_TRUE(echo) << alice->trace();
    EXPECT_EQ(echo.attr("from"), "room@echo.localhost");
}

TEST_F(XmppC2s, RosterPingDiscoAndStanzaErrors) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto alice = client("alice", options("desk"));
    XmppConnectResult r = alice->connect();
    ASSERT_TRUE(r) << describe(r, *alice);

    // A new account's roster is empty.
    Stanza roster = alice->request("<iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>");
    ASSERT_EQ(roster.attr("type"), "result") << alice->trace();
    ASSERT_TRUE(roster.child("query", kRosterNs)) << roster.serialize();
    EXPECT_TRUE(roster.child("query", kRosterNs).children().empty()) << roster.serialize();

    // Setting an item answers and pushes the item to the client.
    Stanza set = alice->request("<iq type='set' id='r2'><query xmlns='jabber:iq:roster'>"
                                "<item jid='carol@localhost' name='Carol'><group>Friends</group>"
                                "</item></query></iq>");
    EXPECT_EQ(set.attr("type"), "result") << alice->trace();
    Stanza push = alice->wait_for([](const Stanza& s) {
        return s.name() == "iq" && s.attr("type") == "set" &&
               s.child("query", kRosterNs).child("item", kRosterNs).attr("jid") ==
                   "carol@localhost";
    });
    ASSERT_TRUE(push) << alice->trace();
    Element pushed = push.child("query", kRosterNs).child("item", kRosterNs);
    EXPECT_EQ(pushed.attr("name"), "Carol");
    EXPECT_EQ(pushed.attr("subscription"), "none");
    alice->send("<iq type='result' id='" + std::string(push.attr("id")) + "'/>");
    roster = alice->request("<iq type='get' id='r3'><query xmlns='jabber:iq:roster'/></iq>");
    Element item = roster.child("query", kRosterNs).child("item", kRosterNs);
    EXPECT_EQ(item.attr("jid"), "carol@localhost") << roster.serialize();
    EXPECT_EQ(item.child_text("group", kRosterNs), "Friends") << roster.serialize();

    // XEP-0199 ping.
    Stanza pong = alice->request("<iq type='get' to='localhost' id='p1'>" + kPing + "</iq>");
    EXPECT_EQ(pong.attr("type"), "result") << alice->trace();
    EXPECT_EQ(pong.attr("from"), "localhost");

    // XEP-0030: the server says what it does.
    Stanza info = alice->request("<iq type='get' to='localhost' id='d1'>"
                                 "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    ASSERT_EQ(info.attr("type"), "result") << alice->trace();
    std::vector<std::string> features = disco_features(info);
    EXPECT_TRUE(contains(features, "urn:xmpp:ping")) << info.serialize();
    EXPECT_TRUE(contains(features, "jabber:iq:roster")) << info.serialize();
    EXPECT_TRUE(contains(features, kDiscoInfoNs)) << info.serialize();
    Element identity = info.child("query", kDiscoInfoNs).child("identity", kDiscoInfoNs);
    EXPECT_EQ(identity.attr("category"), "server") << info.serialize();
    EXPECT_EQ(identity.attr("type"), "im") << info.serialize();

    // An iq nobody handles.
    Stanza unknown = alice->request("<iq type='get' to='localhost' id='u1'>"
                                    "<nonsense xmlns='urn:example:nonsense'/></iq>");
    EXPECT_EQ(unknown.attr("type"), "error") << alice->trace();
    EXPECT_EQ(error_condition(unknown), "service-unavailable") << unknown.serialize();

    // A message to an account that does not exist.
    alice->send("<message to='nobody@localhost' type='chat' id='n1'><body>hello?</body></message>");
    Stanza bounce = alice->wait_for(error_reply("message", "n1"));
    ASSERT_TRUE(bounce) << alice->trace();
    EXPECT_EQ(error_condition(bounce), "service-unavailable") << bounce.serialize();

    // Addresses that are not JIDs.
    alice->send("<message to='@localhost' type='chat' id='j1'><body>x</body></message>");
    bounce = alice->wait_for(error_reply("message", "j1"));
    ASSERT_TRUE(bounce) << alice->trace();
    EXPECT_EQ(error_condition(bounce), "jid-malformed") << bounce.serialize();
    Stanza malformed =
        alice->request("<iq type='get' to='bad@@localhost' id='j2'>" + kPing + "</iq>");
    EXPECT_EQ(malformed.attr("type"), "error") << alice->trace();
    EXPECT_EQ(error_condition(malformed), "jid-malformed") << malformed.serialize();

    // The session survived all of it.
    pong = alice->request("<iq type='get' to='localhost' id='p2'>" + kPing + "</iq>");
    EXPECT_EQ(pong.attr("type"), "result") << alice->trace();
}

TEST_F(XmppC2s, ASecondLoginWithTheSameResourceReplacesTheFirst) {
    ASSERT_NO_FATAL_FAILURE(start());
    auto first = client("alice", options("desk"));
    XmppConnectResult r = first->connect();
    ASSERT_TRUE(r) << describe(r, *first);
    auto second = client("alice", options("desk"));
    r = second->connect();
    ASSERT_TRUE(r) << describe(r, *second);
    EXPECT_EQ(second->bound_jid(), "alice@localhost/desk");

    EXPECT_TRUE(first->wait_disconnected()) << first->trace();
    EXPECT_EQ(first->stream_error(), "conflict") << first->trace();
    Stanza pong = second->request("<iq type='get' to='localhost' id='p1'>" + kPing + "</iq>");
    EXPECT_EQ(pong.attr("type"), "result") << second->trace();
}

// The test clients themselves, without a server.

TEST_F(XmppC2s, InBandRegistrationOnlyWhenAllowed) {
    ASSERT_NO_FATAL_FAILURE(start("c2s_require_encryption = false\nallow_registration = true\n"));
    auto raw = raw_stream();
    EXPECT_NE(raw->transcript().find("http://jabber.org/features/iq-register"), std::string::npos)
        << raw->transcript();
    ASSERT_TRUE(raw->send("<iq type='get' id='r1'><query xmlns='jabber:iq:register'/></iq>"));
    ASSERT_TRUE(raw->read_until("</iq>")) << raw->transcript();
    EXPECT_NE(raw->transcript().find("<password"), std::string::npos) << raw->transcript();
    ASSERT_TRUE(raw->send("<iq type='set' id='r2'><query xmlns='jabber:iq:register'>"
                          "<username>carol</username><password>pw</password></query></iq>"));
    ASSERT_TRUE(raw->read_until("id='r2'")) << raw->transcript();
    EXPECT_EQ(raw->transcript().find("type='error'"), std::string::npos) << raw->transcript();
    // Registering the same name again is a conflict.
    ASSERT_TRUE(raw->send("<iq type='set' id='r3'><query xmlns='jabber:iq:register'>"
                          "<username>carol</username><password>pw</password></query></iq>"));
    ASSERT_TRUE(raw->read_until("<conflict")) << raw->transcript();

    XmppClientOptions no_tls = options();
    no_tls.tls = XmppClientOptions::Tls::kDisabled;
    auto carol = client("carol", no_tls, "pw");
    XmppConnectResult r = carol->connect();
    EXPECT_TRUE(r) << describe(r, *carol);
}

TEST_F(XmppC2s, InBandRegistrationIsOffByDefault) {
    ASSERT_NO_FATAL_FAILURE(start("c2s_require_encryption = false\n"));
    auto raw = raw_stream();
    EXPECT_EQ(raw->transcript().find("iq-register"), std::string::npos) << raw->transcript();
    ASSERT_TRUE(raw->send("<iq type='set' id='r1'><query xmlns='jabber:iq:register'>"
                          "<username>mallory</username><password>pw</password></query></iq>"));
    EXPECT_TRUE(raw->read_until("not-authorized")) << raw->transcript();
}

TEST_F(XmppC2s, DirectTlsPortsSpeakTlsFromTheFirstByte) {
    int direct = free_port();
    ASSERT_NO_FATAL_FAILURE(
        start("c2s_direct_tls_ports = { " + std::to_string(direct) + " }\n"));
    RawXmppConnection raw(direct);
    raw.start_tls("localhost", cert_.cert_file);
    ASSERT_TRUE(raw.send(client_stream_header("localhost")));
    ASSERT_TRUE(raw.read_until("</stream:features>")) << raw.transcript();
    // Already encrypted: no STARTTLS offered, PLAIN allowed.
    EXPECT_EQ(raw.transcript().find("<starttls"), std::string::npos) << raw.transcript();
    EXPECT_NE(raw.transcript().find(">PLAIN<"), std::string::npos) << raw.transcript();
}

TEST_F(XmppC2s, RepeatedFailuresFromOneAddressAreSlowedDown) {
    ASSERT_NO_FATAL_FAILURE(start("c2s_require_encryption = false\nallow_unencrypted_plain_auth = true\n"));
    std::string wrong = base64_encode(std::string("\0alice\0wrong", 12));
    auto attempt = [&] {
        auto raw = raw_stream();
        auto begin = std::chrono::steady_clock::now();
        EXPECT_TRUE(raw->send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
                              wrong + "</auth>"));
        EXPECT_TRUE(raw->read_until("not-authorized", 20s)) << raw->transcript();
        return std::chrono::steady_clock::now() - begin;
    };
    for (int i = 0; i < 3; ++i) {
        EXPECT_LT(attempt(), 400ms) << "the first failures are answered at once";
    }
    EXPECT_GE(attempt(), 400ms) << "the fourth failure is delayed";
}

TEST(XmppTestSupport, ScramSha1ClientMatchesRfc5802) {
    SaslClient sasl("SCRAM-SHA-1", "user", "pencil", "fyko+d2lbbFgONRv9qkxdawL");
    EXPECT_EQ(sasl.initial_response(), "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
    auto final_message =
        sasl.respond("r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096");
    ASSERT_TRUE(final_message) << sasl.error();
    EXPECT_EQ(*final_message, "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,"
                              "p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=");
    EXPECT_TRUE(sasl.verify_success("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")) << sasl.error();
}

TEST(XmppTestSupport, ScramSha256ClientMatchesRfc7677AndChecksTheServer) {
    SaslClient sasl("SCRAM-SHA-256", "user", "pencil", "rOprNGfwEbeRWgbNEkqO");
    auto final_message = sasl.respond("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                                      "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    ASSERT_TRUE(final_message) << sasl.error();
    EXPECT_EQ(*final_message, "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
                              "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=");
    EXPECT_FALSE(sasl.verify_success("v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="));
    EXPECT_TRUE(sasl.verify_success("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="))
        << sasl.error();

    // A server nonce that does not extend ours is refused.
    SaslClient other("SCRAM-SHA-256", "user", "pencil", "abc");
    EXPECT_FALSE(other.respond("r=xyz123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"));
}

TEST(XmppTestSupport, RawConnectionReadsUntilItsNeedleAndSeesTheClose) {
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof addr;
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(::listen(listener, 1), 0);
    ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &length), 0);

    RawXmppConnection raw(ntohs(addr.sin_port));
    int peer = ::accept(listener, nullptr, nullptr);
    ASSERT_GE(peer, 0);
    ASSERT_TRUE(raw.send("<hello/>"));
    char buffer[16] = {};
    EXPECT_EQ(::recv(peer, buffer, sizeof buffer, 0), 8);
    EXPECT_EQ(std::string(buffer), "<hello/>");
    std::string answer = "<a/><b/><c/>";
    ASSERT_EQ(::send(peer, answer.data(), answer.size(), 0), static_cast<long>(answer.size()));
    EXPECT_TRUE(raw.read_until("<a/>"));
    EXPECT_TRUE(raw.read_until("<c/>"));
    EXPECT_FALSE(raw.read_until("<b/>", 50ms)); // already passed
    ::close(peer);
    EXPECT_TRUE(raw.wait_closed());
    EXPECT_EQ(raw.transcript(), answer);
    ::close(listener);
}

} // namespace
} // namespace cadenza::test
