#include "auth/sasl_server.hpp"

#include <gsasl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace cadenza::auth {
namespace {

constexpr int kIterations = 4096;

// What the test client says about itself; hooked on its libgsasl session.
struct ClientIdentity {
    std::string authid;
    std::string password;
    std::string authzid;
};

int client_callback(Gsasl*, Gsasl_session* session, Gsasl_property property) {
    auto* who = static_cast<ClientIdentity*>(gsasl_session_hook_get(session));
    const std::string* value = nullptr;
    if (property == GSASL_AUTHID) {
        value = &who->authid;
    } else if (property == GSASL_PASSWORD) {
        value = &who->password;
    } else if (property == GSASL_AUTHZID && !who->authzid.empty()) {
        value = &who->authzid;
    }
    if (value == nullptr) {
        return GSASL_NO_CALLBACK;
    }
    return gsasl_property_set(session, property, value->c_str());
}

// A real libgsasl client, in its own context (not the server's).
class GsaslClient {
public:
    GsaslClient() {
        if (gsasl_init(&ctx_) != GSASL_OK) {
            throw std::runtime_error("gsasl_init failed");
        }
        gsasl_callback_set(ctx_, client_callback);
    }
    ~GsaslClient() { gsasl_done(ctx_); }
    GsaslClient(const GsaslClient&) = delete;
    GsaslClient& operator=(const GsaslClient&) = delete;
    [[nodiscard]] Gsasl* ctx() const { return ctx_; }

private:
    Gsasl* ctx_ = nullptr;
};

struct Conversation {
    SaslStep last;            // the server's final answer
    int client_final_rc = -1; // the client's verdict on <success/> data (SCRAM's v=)
    std::vector<std::string> server_messages;
};

class SaslServerTest : public ::testing::Test {
protected:
    void SetUp() override {
        AccountCredentials user;
        user.sha1 =
            derive_scram_credentials(ScramHash::kSha1, "pencil", "salt-sha1-16byte", kIterations);
        user.sha256 = make_scram_credentials(ScramHash::kSha256, "pencil", kIterations);
        accounts_["user"] = user;

        AccountCredentials old;
        old.sha1 = make_scram_credentials(ScramHash::kSha1, "oldpass", kIterations);
        accounts_["sha1only"] = old;

        AccountCredentials disabled = user;
        disabled.disabled = true;
        accounts_["disabled"] = disabled;

        options_.tls = true;
        options_.decoy_secret = "test secret";
    }

    CredentialLookup lookup() {
        return [this](std::string_view name) -> std::optional<AccountCredentials> {
            lookups_.emplace_back(name);
            if (name == "broken") {
                throw std::runtime_error("database is locked");
            }
            auto it = accounts_.find(std::string(name));
            if (it == accounts_.end()) {
                return std::nullopt;
            }
            return it->second;
        };
    }

    // Runs a whole exchange between a libgsasl client and a SaslServer.
    Conversation converse(const std::string& mechanism, ClientIdentity who) {
        Conversation out;
        SaslServer server(mechanism, "example.com", lookup(), options_);
        Gsasl_session* client = nullptr;
        if (gsasl_client_start(client_.ctx(), mechanism.c_str(), &client) != GSASL_OK) {
            ADD_FAILURE() << "client cannot start " << mechanism;
            return out;
        }
        gsasl_session_hook_set(client, &who);
        std::string from_server;
        for (int round = 0; round < 5; ++round) {
            char* output = nullptr;
            std::size_t size = 0;
            int rc = gsasl_step(client, from_server.data(), from_server.size(), &output, &size);
            std::string to_server(output != nullptr ? output : "", size);
            gsasl_free(output);
            if (rc != GSASL_OK && rc != GSASL_NEEDS_MORE) {
                ADD_FAILURE() << "client step failed: " << gsasl_strerror(rc);
                break;
            }
            out.last = server.step(to_server);
            out.server_messages.push_back(out.last.server_message);
            if (out.last.status == SaslStatus::kSuccess) {
                output = nullptr;
                out.client_final_rc = gsasl_step(client, out.last.server_message.data(),
                                                 out.last.server_message.size(), &output, &size);
                gsasl_free(output);
            }
            if (out.last.status != SaslStatus::kContinue) {
                break;
            }
            from_server = out.last.server_message;
        }
        gsasl_finish(client);
        return out;
    }

    std::map<std::string, AccountCredentials> accounts_;
    std::vector<std::string> lookups_;
    SaslOptions options_;
    GsaslClient client_;
};

// "r=NONCE,s=SALT,i=ITER" split into its three values; nullopt for any other shape.
struct ServerFirst {
    std::string nonce;
    std::string salt_b64;
    std::string iterations;
};
std::optional<ServerFirst> parse_server_first(const std::string& message) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    while (true) {
        std::size_t comma = message.find(',', start);
        fields.push_back(message.substr(start, comma - start));
        if (comma == std::string::npos) {
            break;
        }
        start = comma + 1;
    }
    if (fields.size() != 3 || fields[0].rfind("r=", 0) != 0 || fields[1].rfind("s=", 0) != 0 ||
        fields[2].rfind("i=", 0) != 0 || fields[0].size() < 3 || fields[1].size() < 3) {
        return std::nullopt;
    }
    return ServerFirst{fields[0].substr(2), fields[1].substr(2), fields[2].substr(2)};
}

std::string condition(const SaslStep& step) {
    return std::string(sasl_condition_name(step.condition));
}

TEST_F(SaslServerTest, MechanismsOffered) {
    using V = std::vector<std::string>;
    EXPECT_EQ(SaslServer::mechanisms(false), (V{"SCRAM-SHA-256", "SCRAM-SHA-1"}));
    EXPECT_EQ(SaslServer::mechanisms(true), (V{"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}));
    EXPECT_EQ(SaslServer::mechanisms(false, true), (V{"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}));
}

TEST_F(SaslServerTest, ScramSha256Succeeds) {
    auto c = converse("SCRAM-SHA-256", {"user", "pencil", ""});
    ASSERT_EQ(c.last.status, SaslStatus::kSuccess) << condition(c.last);
    EXPECT_EQ(c.last.username, "user");
    EXPECT_EQ(c.last.server_message.rfind("v=", 0), 0u);
    EXPECT_EQ(c.client_final_rc, GSASL_OK); // the client accepted the server's signature
    EXPECT_EQ(lookups_, std::vector<std::string>{"user"});
}

TEST_F(SaslServerTest, ScramSha1Succeeds) {
    auto c = converse("SCRAM-SHA-1", {"user", "pencil", ""});
    ASSERT_EQ(c.last.status, SaslStatus::kSuccess) << condition(c.last);
    EXPECT_EQ(c.last.username, "user");
    EXPECT_EQ(c.client_final_rc, GSASL_OK);
    // The salt the client was given is the stored one.
    EXPECT_NE(c.server_messages[0].find(",s=" + base64_encode("salt-sha1-16byte") + ",i=4096"),
              std::string::npos);
}

TEST_F(SaslServerTest, PlainSucceeds) {
    auto c = converse("PLAIN", {"user", "pencil", ""});
    ASSERT_EQ(c.last.status, SaslStatus::kSuccess) << condition(c.last);
    EXPECT_EQ(c.last.username, "user");
    EXPECT_EQ(c.last.server_message, "");
}

TEST_F(SaslServerTest, UsernameIsNodeprepped) {
    auto c = converse("SCRAM-SHA-256", {"USER", "pencil", ""});
    ASSERT_EQ(c.last.status, SaslStatus::kSuccess) << condition(c.last);
    EXPECT_EQ(c.last.username, "user");
    auto p = converse("PLAIN", {"User", "pencil", ""});
    ASSERT_EQ(p.last.status, SaslStatus::kSuccess) << condition(p.last);
    EXPECT_EQ(p.last.username, "user");
}

TEST_F(SaslServerTest, WrongPasswordIsNotAuthorized) {
    for (const char* mechanism : {"SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN"}) {
        auto c = converse(mechanism, {"user", "pencil2", ""});
        EXPECT_EQ(c.last.status, SaslStatus::kFailure) << mechanism;
        EXPECT_EQ(condition(c.last), "not-authorized") << mechanism;
        EXPECT_EQ(c.last.username, "") << mechanism;
    }
}

TEST_F(SaslServerTest, UnknownUserLooksLikeWrongPassword) {
    for (const char* mechanism : {"SCRAM-SHA-256", "SCRAM-SHA-1"}) {
        auto known = converse(mechanism, {"user", "wrong", ""});
        auto unknown = converse(mechanism, {"nobody", "wrong", ""});
        auto again = converse(mechanism, {"nobody", "other", ""});
        auto other = converse(mechanism, {"somebody", "wrong", ""});
        EXPECT_EQ(condition(known.last), "not-authorized");
        EXPECT_EQ(condition(unknown.last), "not-authorized");
        auto known_first = parse_server_first(known.server_messages[0]);
        auto unknown_first = parse_server_first(unknown.server_messages[0]);
        ASSERT_TRUE(known_first) << known.server_messages[0];
        ASSERT_TRUE(unknown_first) << unknown.server_messages[0];
        EXPECT_EQ(known_first->iterations, "4096");
        EXPECT_EQ(unknown_first->iterations, "4096");
        EXPECT_EQ(known_first->nonce.size(), unknown_first->nonce.size());
        // Same salt size, stable for one name, different between names.
        ASSERT_TRUE(base64_decode(known_first->salt_b64));
        ASSERT_TRUE(base64_decode(unknown_first->salt_b64));
        EXPECT_EQ(base64_decode(known_first->salt_b64)->size(),
                  base64_decode(unknown_first->salt_b64)->size());
        std::string salt_part =
            unknown.server_messages[0].substr(unknown.server_messages[0].find(",s="));
        EXPECT_NE(again.server_messages[0].find(salt_part), std::string::npos);
        EXPECT_EQ(other.server_messages[0].find(salt_part), std::string::npos);
    }
    auto plain = converse("PLAIN", {"nobody", "pencil", ""});
    EXPECT_EQ(condition(plain.last), "not-authorized");
}

TEST_F(SaslServerTest, DecoySaltStableAcrossServersWithSameSecret) {
    auto first_message = [this] {
        SaslServer server("SCRAM-SHA-256", "example.com", lookup(), options_);
        auto step = server.step("n,,n=ghost,r=abcdefgh");
        EXPECT_EQ(step.status, SaslStatus::kContinue);
        return step.server_message.substr(step.server_message.find(",s="));
    };
    EXPECT_EQ(first_message(), first_message());
}

TEST_F(SaslServerTest, MissingHashActsAsUnknown) {
    EXPECT_EQ(converse("SCRAM-SHA-1", {"sha1only", "oldpass", ""}).last.status,
              SaslStatus::kSuccess);
    EXPECT_EQ(condition(converse("SCRAM-SHA-256", {"sha1only", "oldpass", ""}).last),
              "not-authorized");
    EXPECT_EQ(converse("PLAIN", {"sha1only", "oldpass", ""}).last.status, SaslStatus::kSuccess);
}

TEST_F(SaslServerTest, Authzid) {
    EXPECT_EQ(converse("PLAIN", {"user", "pencil", "user@example.com"}).last.status,
              SaslStatus::kSuccess);
    EXPECT_EQ(converse("PLAIN", {"user", "pencil", "USER@Example.COM"}).last.status,
              SaslStatus::kSuccess);
    EXPECT_EQ(condition(converse("PLAIN", {"user", "pencil", "other@example.com"}).last),
              "invalid-authzid");
    EXPECT_EQ(condition(converse("PLAIN", {"user", "pencil", "user@example.com/res"}).last),
              "invalid-authzid");
    EXPECT_EQ(condition(converse("PLAIN", {"user", "pencil", "user@example.net"}).last),
              "invalid-authzid");
    // Credentials are checked first: a wrong password never reveals an authzid problem.
    EXPECT_EQ(condition(converse("PLAIN", {"user", "wrong", "other@example.com"}).last),
              "not-authorized");
    EXPECT_EQ(converse("SCRAM-SHA-256", {"user", "pencil", "user@example.com"}).last.status,
              SaslStatus::kSuccess);
    EXPECT_EQ(condition(converse("SCRAM-SHA-256", {"user", "pencil", "other@example.com"}).last),
              "invalid-authzid");
}

TEST_F(SaslServerTest, DisabledAccount) {
    EXPECT_EQ(condition(converse("SCRAM-SHA-256", {"disabled", "pencil", ""}).last),
              "account-disabled");
    EXPECT_EQ(condition(converse("PLAIN", {"disabled", "pencil", ""}).last), "account-disabled");
    EXPECT_EQ(condition(converse("PLAIN", {"disabled", "wrong", ""}).last), "not-authorized");
}

TEST_F(SaslServerTest, LookupFailureIsTemporary) {
    EXPECT_EQ(condition(converse("SCRAM-SHA-256", {"broken", "x", ""}).last),
              "temporary-auth-failure");
    EXPECT_EQ(condition(converse("PLAIN", {"broken", "x", ""}).last), "temporary-auth-failure");
}

TEST_F(SaslServerTest, DamagedCredentialsAreTemporaryFailure) {
    accounts_["user"].sha256->stored_key.resize(5);
    EXPECT_EQ(condition(converse("SCRAM-SHA-256", {"user", "pencil", ""}).last),
              "temporary-auth-failure");
}

TEST_F(SaslServerTest, PlainNeedsTls) {
    options_.tls = false;
    SaslServer refused("PLAIN", "example.com", lookup(), options_);
    auto step = refused.step(std::string("\0user\0pencil", 12));
    EXPECT_EQ(condition(step), "encryption-required");
    EXPECT_TRUE(lookups_.empty());

    options_.allow_unencrypted_plain = true;
    SaslServer allowed("PLAIN", "example.com", lookup(), options_);
    EXPECT_EQ(allowed.step(std::string("\0user\0pencil", 12)).status, SaslStatus::kSuccess);
}

TEST_F(SaslServerTest, UnknownMechanisms) {
    for (const char* mechanism : {"DIGEST-MD5", "SCRAM-SHA-1-PLUS", "SCRAM-SHA-256-PLUS",
                                  "ANONYMOUS", "EXTERNAL", "", "scram-sha-1"}) {
        SaslServer server(mechanism, "example.com", lookup(), options_);
        EXPECT_EQ(condition(server.step("n,,n=user,r=abc")), "invalid-mechanism") << mechanism;
    }
}

TEST_F(SaslServerTest, ScramWithoutInitialResponse) {
    SaslServer server("SCRAM-SHA-256", "example.com", lookup(), options_);
    auto empty = server.step("");
    EXPECT_EQ(empty.status, SaslStatus::kContinue);
    EXPECT_EQ(empty.server_message, "");
    auto first = server.step("n,,n=user,r=abcdefgh");
    EXPECT_EQ(first.status, SaslStatus::kContinue);
    EXPECT_EQ(first.server_message.rfind("r=abcdefgh", 0), 0u);
}

// A correct client-final for `server_first`, computed by hand, with the proof replaced when
// `proof_b64` is given.
std::string client_final(ScramHash hash, const std::string& client_first_bare,
                         const std::string& server_first, const std::string& password,
                         const std::string& proof_b64 = {}) {
    auto sf = parse_server_first(server_first);
    if (!sf) {
        ADD_FAILURE() << "bad server-first: " << server_first;
        return {};
    }
    std::string without_proof = "c=biws,r=" + sf->nonce;
    if (!proof_b64.empty()) {
        return without_proof + ",p=" + proof_b64;
    }
    std::string salt = base64_decode(sf->salt_b64).value_or("");
    int iterations = std::stoi(sf->iterations);
    auto creds = derive_scram_credentials(hash, password, salt, iterations);
    std::string salted(scram_hash_size(hash), '\0');
    PKCS5_PBKDF2_HMAC(
        password.data(), static_cast<int>(password.size()),
        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
        iterations, hash == ScramHash::kSha1 ? EVP_sha1() : EVP_sha256(),
        static_cast<int>(salted.size()), reinterpret_cast<unsigned char*>(salted.data()));
    std::string key = scram_hmac(hash, salted, "Client Key");
    std::string signature = scram_hmac(
        hash, creds->stored_key, client_first_bare + "," + server_first + "," + without_proof);
    for (std::size_t i = 0; i < key.size(); ++i) {
        key[i] = static_cast<char>(key[i] ^ signature[i]);
    }
    return without_proof + ",p=" + base64_encode(key);
}

TEST_F(SaslServerTest, HandWrittenScramConversation) {
    SaslServer server("SCRAM-SHA-1", "example.com", lookup(), options_);
    auto first = server.step("n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL");
    ASSERT_EQ(first.status, SaslStatus::kContinue);
    auto final_step = server.step(client_final(
        ScramHash::kSha1, "n=user,r=fyko+d2lbbFgONRv9qkxdawL", first.server_message, "pencil"));
    ASSERT_EQ(final_step.status, SaslStatus::kSuccess) << condition(final_step);
    EXPECT_EQ(final_step.username, "user");
    // The exchange is over: more input is a protocol error.
    EXPECT_EQ(condition(server.step("c=biws")), "malformed-request");
}

TEST_F(SaslServerTest, MalformedClientFirst) {
    const std::vector<std::string> bad = {
        "garbage",
        "n,,r=abcdefgh",                      // no n=
        "x,,n=user,r=abcdefgh",               // bad gs2 flag
        "n,,n=user",                          // no nonce
        "n,,n=,r=abcdefgh",                   // empty user
        "n,,n=us,er,r=abcdefgh",              // unescaped comma
        std::string("n,,n=us\0er,r=abc", 16), // NUL
        "p=tls-unique,,n=user,r=abcdefgh",    // channel binding we do not offer
        std::string(20000, 'n'),
    };
    for (const auto& message : bad) {
        SaslServer server("SCRAM-SHA-256", "example.com", lookup(), options_);
        auto step = server.step(message);
        EXPECT_EQ(step.status, SaslStatus::kFailure) << message.substr(0, 40);
        std::string c = condition(step);
        EXPECT_TRUE(c == "malformed-request" || c == "not-authorized") << c;
        EXPECT_TRUE(server.finished());
    }
}

TEST_F(SaslServerTest, MalformedClientFinal) {
    auto run = [this](const std::function<std::string(const std::string&)>& make_final) {
        SaslServer server("SCRAM-SHA-256", "example.com", lookup(), options_);
        auto first = server.step("n,,n=user,r=abcdefgh");
        EXPECT_EQ(first.status, SaslStatus::kContinue);
        return server.step(make_final(first.server_message));
    };
    const std::string bare = "n=user,r=abcdefgh";
    // Bad base64 in the proof.
    auto step = run([&](const std::string& sf) {
        return client_final(ScramHash::kSha256, bare, sf, "pencil", "!!!!not*base64");
    });
    EXPECT_EQ(step.status, SaslStatus::kFailure);
    EXPECT_TRUE(condition(step) == "malformed-request" || condition(step) == "not-authorized")
        << condition(step);
    // A proof of the wrong length.
    step = run([&](const std::string& sf) {
        return client_final(ScramHash::kSha256, bare, sf, "pencil", base64_encode("short"));
    });
    EXPECT_EQ(condition(step), "malformed-request");
    // Missing proof, garbage, wrong nonce, channel-binding data that is not the gs2 header.
    step = run([](const std::string& sf) { return "c=biws,r=" + sf.substr(2, sf.find(',') - 2); });
    EXPECT_EQ(condition(step), "malformed-request");
    step = run([](const std::string&) { return std::string("garbage"); });
    EXPECT_EQ(condition(step), "malformed-request");
    step = run([&](const std::string& sf) {
        std::string good = client_final(ScramHash::kSha256, bare, sf, "pencil");
        return "c=biws,r=abcdefghX" + good.substr(good.find(",p="));
    });
    EXPECT_EQ(condition(step), "not-authorized");
    step = run([&](const std::string& sf) {
        std::string good = client_final(ScramHash::kSha256, bare, sf, "pencil");
        return "c=eSws" + good.substr(good.find(",r="));
    });
    EXPECT_EQ(condition(step), "not-authorized");
    // And the untouched message succeeds, so the cases above failed for their own reason.
    step = run([&](const std::string& sf) {
        return client_final(ScramHash::kSha256, bare, sf, "pencil");
    });
    EXPECT_EQ(step.status, SaslStatus::kSuccess) << condition(step);
}

TEST_F(SaslServerTest, MalformedPlain) {
    for (const std::string& message :
         {std::string("garbage"), std::string("\0user", 5), std::string("\0\0", 2),
          std::string("\0user\0pen\0cil", 13), std::string("\0\xff\0pencil", 9)}) {
        SaslServer server("PLAIN", "example.com", lookup(), options_);
        auto step = server.step(message);
        EXPECT_EQ(step.status, SaslStatus::kFailure);
        std::string c = condition(step);
        EXPECT_TRUE(c == "malformed-request" || c == "not-authorized") << c;
    }
    // No initial response: an empty challenge, then the credentials.
    SaslServer server("PLAIN", "example.com", lookup(), options_);
    auto empty = server.step("");
    EXPECT_EQ(empty.status, SaslStatus::kContinue);
    EXPECT_EQ(server.step(std::string("\0user\0pencil", 12)).status, SaslStatus::kSuccess);
}

TEST_F(SaslServerTest, Abort) {
    SaslServer server("SCRAM-SHA-256", "example.com", lookup(), options_);
    EXPECT_EQ(server.step("n,,n=user,r=abcdefgh").status, SaslStatus::kContinue);
    EXPECT_EQ(condition(server.abort()), "aborted");
    EXPECT_TRUE(server.finished());
    EXPECT_EQ(condition(server.step("c=biws")), "malformed-request");
}

TEST(SaslCondition, Names) {
    EXPECT_EQ(sasl_condition_name(SaslCondition::kNotAuthorized), "not-authorized");
    EXPECT_EQ(sasl_condition_name(SaslCondition::kMalformedRequest), "malformed-request");
    EXPECT_EQ(sasl_condition_name(SaslCondition::kInvalidAuthzid), "invalid-authzid");
    EXPECT_EQ(sasl_condition_name(SaslCondition::kTemporaryAuthFailure), "temporary-auth-failure");
    EXPECT_EQ(sasl_condition_name(SaslCondition::kNone), "");
}

} // namespace
} // namespace cadenza::auth
