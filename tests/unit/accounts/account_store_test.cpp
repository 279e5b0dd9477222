#include "accounts/account_store.hpp"

#include "accounts/roster_store.hpp"
#include "accounts_fixture.hpp"
#include "auth/sasl_server.hpp"

#include <event2/event.h>

#include <fstream>
#include <iterator>

namespace cadenza::accounts {
namespace {

using auth::verify_password;

constexpr std::string_view kHost = "example.org";

class AccountStoreTest : public TempDatabaseTest {};

TEST_F(AccountStoreTest, CreatedAccountVerifiesWithBothHashes) {
    AccountStore store(db());
    ASSERT_EQ(store.create(kHost, "alice", "pencil"), AccountStatus::kOk);
    EXPECT_TRUE(store.exists(kHost, "alice"));
    auto c = store.credentials(kHost, "alice");
    ASSERT_TRUE(c.has_value());
    ASSERT_TRUE(c->sha1.has_value());
    ASSERT_TRUE(c->sha256.has_value());
    EXPECT_EQ(c->sha1->hash, auth::ScramHash::kSha1);
    EXPECT_EQ(c->sha256->hash, auth::ScramHash::kSha256);
    EXPECT_EQ(c->sha256->iterations, auth::kDefaultScramIterations);
    EXPECT_TRUE(verify_password(*c->sha1, "pencil"));
    EXPECT_TRUE(verify_password(*c->sha256, "pencil"));
    EXPECT_FALSE(verify_password(*c->sha256, "Pencil"));
    EXPECT_FALSE(c->disabled);
    // Each hash has its own salt.
    EXPECT_NE(c->sha1->salt, c->sha256->salt);
}

TEST_F(AccountStoreTest, UnknownAccountHasNoCredentials) {
    AccountStore store(db());
    EXPECT_FALSE(store.exists(kHost, "nobody"));
    EXPECT_FALSE(store.credentials(kHost, "nobody").has_value());
    ASSERT_EQ(store.create(kHost, "alice", "pencil"), AccountStatus::kOk);
    // Accounts belong to one host.
    EXPECT_FALSE(store.exists("other.org", "alice"));
    EXPECT_FALSE(store.credentials("other.org", "alice").has_value());
}

TEST_F(AccountStoreTest, DuplicateIsRefusedAndKeepsTheFirstPassword) {
    AccountStore store(db());
    ASSERT_EQ(store.create(kHost, "alice", "first"), AccountStatus::kOk);
    EXPECT_EQ(store.create(kHost, "alice", "second"), AccountStatus::kExists);
    EXPECT_EQ(store.create(kHost, "ALICE", "second"), AccountStatus::kExists);
    EXPECT_TRUE(verify_password(*store.credentials(kHost, "alice")->sha256, "first"));
    // The same name on another host is another account.
    EXPECT_EQ(store.create("other.org", "alice", "second"), AccountStatus::kOk);
}

TEST_F(AccountStoreTest, UsernamesAreNodeprepped) {
    AccountStore store(db());
    ASSERT_EQ(store.create(kHost, "User", "pw"), AccountStatus::kOk);
    EXPECT_TRUE(store.exists(kHost, "user"));
    EXPECT_TRUE(store.exists(kHost, "USER"));
    auto accounts = store.list(kHost);
    ASSERT_EQ(accounts.size(), 1u);
    EXPECT_EQ(accounts[0].username, "user");
    EXPECT_GT(accounts[0].created, 0);
    EXPECT_TRUE(store.credentials(kHost, "uSeR").has_value());
}

TEST_F(AccountStoreTest, InvalidUsernamesAreRefused) {
    AccountStore store(db());
    for (std::string_view bad : {"", "a b", "a@b", "a/b", "a:b", "a\"b", "a<b"}) {
        EXPECT_EQ(store.create(kHost, bad, "pw"), AccountStatus::kInvalidUsername) << bad;
        EXPECT_FALSE(store.exists(kHost, bad)) << bad;
    }
    EXPECT_TRUE(store.list(kHost).empty());
}

TEST_F(AccountStoreTest, PasswordsSaslprepRefusesAreRefused) {
    AccountStore store(db());
    EXPECT_EQ(store.create(kHost, "alice", ""), AccountStatus::kInvalidPassword);
    EXPECT_EQ(store.create(kHost, "alice", std::string_view("a\0b", 3)),
              AccountStatus::kInvalidPassword);
    EXPECT_EQ(store.create(kHost, "alice", "bell\x07"), AccountStatus::kInvalidPassword);
    EXPECT_EQ(store.create(kHost, "alice", "\xff\xfe"), AccountStatus::kInvalidPassword);
    EXPECT_FALSE(store.exists(kHost, "alice"));
}

TEST_F(AccountStoreTest, SetPasswordReplacesTheKeys) {
    AccountStore store(db());
    ASSERT_EQ(store.create(kHost, "alice", "old password"), AccountStatus::kOk);
    auto before = store.credentials(kHost, "alice");
    ASSERT_EQ(store.set_password(kHost, "Alice", "new password"), AccountStatus::kOk);
    auto after = store.credentials(kHost, "alice");
    ASSERT_TRUE(after && after->sha1 && after->sha256);
    for (const auto* c : {&*after->sha1, &*after->sha256}) {
        EXPECT_TRUE(verify_password(*c, "new password"));
        EXPECT_FALSE(verify_password(*c, "old password"));
    }
    EXPECT_NE(before->sha256->salt, after->sha256->salt);
    EXPECT_NE(before->sha1->stored_key, after->sha1->stored_key);

    EXPECT_EQ(store.set_password(kHost, "bob", "x"), AccountStatus::kNotFound);
    EXPECT_EQ(store.set_password(kHost, "alice", ""), AccountStatus::kInvalidPassword);
    EXPECT_EQ(store.set_password(kHost, "a b", "x"), AccountStatus::kInvalidUsername);
    EXPECT_TRUE(verify_password(*store.credentials(kHost, "alice")->sha256, "new password"));
}

TEST_F(AccountStoreTest, RemoveDeletesTheAccountWithItsRosterAndRequests) {
    AccountStore store(db());
    RosterStore roster(db());
    ASSERT_EQ(store.create(kHost, "alice", "pw"), AccountStatus::kOk);
    ASSERT_EQ(store.create(kHost, "bob", "pw"), AccountStatus::kOk);
    RosterItem item;
    item.contact = "carol@example.net";
    item.subscription = Subscription::kBoth;
    ASSERT_TRUE(roster.upsert(kHost, "alice", item).has_value());
    ASSERT_TRUE(roster.upsert(kHost, "bob", item).has_value());
    ASSERT_TRUE(roster.add_pending_in(kHost, "alice", "dave@example.net", "<presence/>"));

    EXPECT_EQ(store.remove(kHost, "Alice"), AccountStatus::kOk);
    EXPECT_FALSE(store.exists(kHost, "alice"));
    EXPECT_TRUE(roster.items(kHost, "alice").empty());
    EXPECT_TRUE(roster.pending_in(kHost, "alice").empty());
    EXPECT_EQ(roster.version(kHost, "alice"), 0);
    // Bob's roster is untouched.
    EXPECT_EQ(roster.items(kHost, "bob").size(), 1u);

    // A new account of the same name starts empty.
    ASSERT_EQ(store.create(kHost, "alice", "pw"), AccountStatus::kOk);
    EXPECT_TRUE(roster.items(kHost, "alice").empty());

    EXPECT_EQ(store.remove(kHost, "nobody"), AccountStatus::kNotFound);
    EXPECT_EQ(store.remove(kHost, ""), AccountStatus::kInvalidUsername);
}

TEST_F(AccountStoreTest, DisabledFlagIsStoredAndReported) {
    AccountStore store(db());
    ASSERT_EQ(store.create(kHost, "alice", "pw"), AccountStatus::kOk);
    ASSERT_EQ(store.set_disabled(kHost, "alice", true), AccountStatus::kOk);
    EXPECT_TRUE(store.credentials(kHost, "alice")->disabled);
    EXPECT_TRUE(store.list(kHost)[0].disabled);
    ASSERT_EQ(store.set_disabled(kHost, "alice", false), AccountStatus::kOk);
    EXPECT_FALSE(store.credentials(kHost, "alice")->disabled);
    EXPECT_EQ(store.set_disabled(kHost, "bob", true), AccountStatus::kNotFound);
}

TEST_F(AccountStoreTest, ListIsPerHostAndSorted) {
    AccountStore store(db());
    for (auto name : {"carol", "alice", "bob"}) {
        ASSERT_EQ(store.create(kHost, name, "pw"), AccountStatus::kOk);
    }
    ASSERT_EQ(store.create("other.org", "zed", "pw"), AccountStatus::kOk);
    std::vector<std::string> names;
    for (const auto& a : store.list(kHost)) {
        names.push_back(a.username);
    }
    EXPECT_EQ(names, (std::vector<std::string>{"alice", "bob", "carol"}));
    EXPECT_EQ(store.list("other.org").size(), 1u);
    EXPECT_TRUE(store.list("none.org").empty());
}

TEST_F(AccountStoreTest, AccountsSurviveReopeningTheDatabase) {
    {
        AccountStore store(db());
        ASSERT_EQ(store.create(kHost, "alice", "pencil"), AccountStatus::kOk);
        ASSERT_EQ(store.set_disabled(kHost, "alice", true), AccountStatus::kOk);
    }
    open();
    AccountStore store(db());
    auto c = store.credentials(kHost, "alice");
    ASSERT_TRUE(c && c->sha1 && c->sha256);
    EXPECT_TRUE(verify_password(*c->sha1, "pencil"));
    EXPECT_TRUE(verify_password(*c->sha256, "pencil"));
    EXPECT_TRUE(c->disabled);
}

TEST_F(AccountStoreTest, NoPasswordBytesReachTheDisk) {
    const std::string password = "correct-horse-battery-staple-8131";
    {
        AccountStore store(db());
        ASSERT_EQ(store.create(kHost, "alice", password), AccountStatus::kOk);
        ASSERT_EQ(store.create(kHost, "bob", password), AccountStatus::kOk);
        ASSERT_EQ(store.set_password(kHost, "bob", password + "-2"), AccountStatus::kOk);
    }
    // Scan while open (the WAL holds the recent pages), then after closing.
    auto scan = [&] {
        int files = 0;
        for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
            std::ifstream in(entry.path(), std::ios::binary);
            std::string bytes((std::istreambuf_iterator<char>(in)), {});
            ++files;
            EXPECT_EQ(bytes.find(password), std::string::npos) << entry.path();
            EXPECT_EQ(bytes.find("correct-horse"), std::string::npos) << entry.path();
        }
        return files;
    };
    EXPECT_GE(scan(), 1);
    db_.reset();
    EXPECT_GE(scan(), 1);
    // The scan would have found a plain-text copy: the file does hold the account names.
    std::ifstream in(file(), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_NE(bytes.find("alice"), std::string::npos);
}

TEST_F(AccountStoreTest, DamagedKeysAreLeftOut) {
    AccountStore store(db());
    ASSERT_EQ(store.create(kHost, "alice", "pw"), AccountStatus::kOk);
    db().exec("UPDATE accounts SET sha256_stored_key = x'0102' WHERE username = 'alice'");
    auto c = store.credentials(kHost, "alice");
    ASSERT_TRUE(c.has_value());
    EXPECT_FALSE(c->sha256.has_value());
    ASSERT_TRUE(c->sha1.has_value());
    EXPECT_TRUE(verify_password(*c->sha1, "pw"));
}

TEST_F(AccountStoreTest, SaslServerAuthenticatesThroughTheLookup) {
    AccountStore store(db());
    ASSERT_EQ(store.create(kHost, "alice", "pencil"), AccountStatus::kOk);
    auth::SaslOptions options;
    options.tls = true;
    {
        auth::SaslServer sasl("PLAIN", std::string(kHost),
                              store.credential_lookup(std::string(kHost)), options);
        auth::SaslStep step = sasl.step(std::string_view("\0alice\0pencil", 13));
        EXPECT_EQ(step.status, auth::SaslStatus::kSuccess);
        EXPECT_EQ(step.username, "alice");
    }
    {
        auth::SaslServer sasl("PLAIN", std::string(kHost),
                              store.credential_lookup(std::string(kHost)), options);
        auth::SaslStep step = sasl.step(std::string_view("\0alice\0wrong", 12));
        EXPECT_EQ(step.status, auth::SaslStatus::kFailure);
        EXPECT_EQ(step.condition, auth::SaslCondition::kNotAuthorized);
    }
    ASSERT_EQ(store.set_disabled(kHost, "alice", true), AccountStatus::kOk);
    {
        auth::SaslServer sasl("PLAIN", std::string(kHost),
                              store.credential_lookup(std::string(kHost)), options);
        auth::SaslStep step = sasl.step(std::string_view("\0alice\0pencil", 13));
        EXPECT_EQ(step.status, auth::SaslStatus::kFailure);
        EXPECT_EQ(step.condition, auth::SaslCondition::kAccountDisabled);
    }
}

TEST_F(AccountStoreTest, ChangesAreCommittedBeforeReturningEvenWithALoop) {
    event_base* base = event_base_new();
    bool group_visible = false;
    {
        storage::Database server_db(file(), base);
        AccountStore store(server_db);
        // A group write pending for the end of the loop turn...
        server_db.write([](storage::Database& d) { d.exec("CREATE TABLE other (x INTEGER)"); },
                        nullptr, [&] { group_visible = true; });
        ASSERT_FALSE(group_visible);
        ASSERT_EQ(store.create(kHost, "alice", "pw"), AccountStatus::kOk);
        // ...is committed first, then the account, which another connection sees at once.
        EXPECT_TRUE(group_visible);
        AccountStore other(db());
        EXPECT_TRUE(other.exists(kHost, "alice"));
    }
    event_base_free(base);
}

} // namespace
} // namespace cadenza::accounts
