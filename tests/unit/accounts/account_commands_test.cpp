// cadenzactl's account verbs run in-process against a real config file and database; the
// integration test runs the binary itself.
#include "server/account_commands.hpp"

#include "accounts/account_store.hpp"

#include <cadenza/storage.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdlib.h>

namespace cadenza {
namespace {

// A FILE* whose contents a test can read back.
class Capture {
public:
    Capture() : file_(std::tmpfile()) {}
    ~Capture() { std::fclose(file_); }
    Capture(const Capture&) = delete;
    Capture& operator=(const Capture&) = delete;
    std::FILE* get() const { return file_; }
    std::string text() const {
        std::fflush(file_);
        std::rewind(file_);
        std::string out;
        int c = 0;
        while ((c = std::fgetc(file_)) != EOF) {
            out += static_cast<char>(c);
        }
        return out;
    }

private:
    std::FILE* file_;
};

constexpr const char* kConfig = "data_path = \"data\"\n"
                                "VirtualHost \"example.org\"\n"
                                "VirtualHost \"off.example\"\n"
                                "    enabled = false\n"
                                "Component \"rooms.example.org\" \"muc\"\n";

class AccountCommandsTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/cadenza-ctl-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir_ = pattern;
        config_ = dir_ + "/cadenza.cfg.lua";
        std::ofstream(config_) << kConfig;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    struct Result {
        int status;
        std::string out;
        std::string err;
    };
    // Runs a verb; the password reader answers `password` (nullopt: as if input ended).
    Result run(std::vector<std::string> words, std::optional<std::string> password = {}) {
        Capture out;
        Capture err;
        AccountCommandIo io;
        io.out = out.get();
        io.err = err.get();
        io.read_password = [&](const std::string& jid) {
            prompted_for_ = jid;
            return password;
        };
        int status = run_account_command(config_, words, io);
        return {status, out.text(), err.text()};
    }
    // Whether `password` logs user@example.org in, read from the database the verbs wrote.
    bool password_works(std::string_view user, std::string_view password) {
        storage::Database db(dir_ + "/data/cadenza.sqlite", nullptr);
        accounts::AccountStore store(db);
        auto c = store.credentials("example.org", user);
        return c && c->sha256 && auth::verify_password(*c->sha256, password) && c->sha1 &&
               auth::verify_password(*c->sha1, password);
    }

    std::string dir_;
    std::string config_;
    std::string prompted_for_;
};

TEST_F(AccountCommandsTest, RegisterCreatesTheAccountOnce) {
    Result r = run({"register", "Alice", "example.org", "pencil"});
    ASSERT_EQ(r.status, kExitOk) << r.err;
    EXPECT_EQ(r.out, "created account alice@example.org\n");
    EXPECT_TRUE(std::filesystem::exists(dir_ + "/data/cadenza.sqlite"));
    EXPECT_TRUE(password_works("alice", "pencil"));

    r = run({"register", "alice", "EXAMPLE.org", "other"});
    EXPECT_EQ(r.status, kExitFailed);
    EXPECT_EQ(r.err, "cadenzactl: user alice@example.org already exists\n");
    EXPECT_TRUE(password_works("alice", "pencil"));
}

TEST_F(AccountCommandsTest, HostsThatAreNotEnabledVirtualHostsAreRefused) {
    Result r = run({"register", "alice", "unknown.org", "pw"});
    EXPECT_EQ(r.status, kExitFailed);
    EXPECT_EQ(r.err, "cadenzactl: host 'unknown.org' is not a VirtualHost in " + config_ + "\n");
    r = run({"register", "alice", "off.example", "pw"});
    EXPECT_EQ(r.status, kExitFailed);
    EXPECT_NE(r.err.find("host 'off.example' is disabled"), std::string::npos) << r.err;
    r = run({"adduser", "alice@rooms.example.org"}, "pw");
    EXPECT_EQ(r.status, kExitFailed);
    EXPECT_NE(r.err.find("is a Component, not a VirtualHost"), std::string::npos) << r.err;
    // Nothing was created for them.
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/data"));
}

TEST_F(AccountCommandsTest, AdduserAsksForThePassword) {
    Result r = run({"adduser", "bob@example.org"}, "secret");
    ASSERT_EQ(r.status, kExitOk) << r.err;
    EXPECT_EQ(prompted_for_, "bob@example.org");
    EXPECT_TRUE(password_works("bob", "secret"));

    // An existing user is refused before any prompt.
    prompted_for_.clear();
    r = run({"adduser", "bob@example.org"}, "again");
    EXPECT_EQ(r.status, kExitFailed);
    EXPECT_EQ(r.err, "cadenzactl: user bob@example.org already exists\n");
    EXPECT_TRUE(prompted_for_.empty());
}

TEST_F(AccountCommandsTest, NoPasswordOrABadOneCreatesNothing) {
    Result r = run({"adduser", "bob@example.org"}, std::nullopt);
    EXPECT_EQ(r.status, kExitFailed);
    r = run({"adduser", "bob@example.org"}, "");
    EXPECT_EQ(r.status, kExitFailed);
    EXPECT_NE(r.err.find("password was refused"), std::string::npos) << r.err;
    r = run({"deluser", "bob@example.org"});
    EXPECT_EQ(r.err, "cadenzactl: no such user bob@example.org\n");
}

TEST_F(AccountCommandsTest, PasswdChangesThePassword) {
    ASSERT_EQ(run({"register", "carol", "example.org", "old"}).status, kExitOk);
    Result r = run({"passwd", "carol@example.org"}, "new");
    ASSERT_EQ(r.status, kExitOk) << r.err;
    EXPECT_EQ(r.out, "changed the password of carol@example.org\n");
    EXPECT_TRUE(password_works("carol", "new"));
    EXPECT_FALSE(password_works("carol", "old"));

    r = run({"passwd", "dave@example.org"}, "x");
    EXPECT_EQ(r.status, kExitFailed);
    EXPECT_EQ(r.err, "cadenzactl: no such user dave@example.org\n");
}

TEST_F(AccountCommandsTest, DeluserDeletes) {
    // Before any database exists there is no user, and none is created to say so.
    Result r = run({"deluser", "carol@example.org"});
    EXPECT_EQ(r.status, kExitFailed);
    EXPECT_EQ(r.err, "cadenzactl: no such user carol@example.org\n");
    EXPECT_FALSE(std::filesystem::exists(dir_ + "/data"));

    ASSERT_EQ(run({"register", "carol", "example.org", "pw"}).status, kExitOk);
    r = run({"deluser", "Carol@example.org"});
    ASSERT_EQ(r.status, kExitOk) << r.err;
    EXPECT_EQ(r.out, "deleted account carol@example.org\n");
    r = run({"deluser", "carol@example.org"});
    EXPECT_EQ(r.status, kExitFailed);
    EXPECT_EQ(r.err, "cadenzactl: no such user carol@example.org\n");
}

TEST_F(AccountCommandsTest, BadArgumentsAreUsageErrorsOrRefusals) {
    Result r = run({"register", "alice", "example.org"});
    EXPECT_EQ(r.status, kExitUsage);
    EXPECT_EQ(r.err, "usage: cadenzactl [--config FILE] register USER HOST PASSWORD\n");
    EXPECT_EQ(run({"adduser"}).status, kExitUsage);
    EXPECT_EQ(run({"deluser", "a@example.org", "b@example.org"}).status, kExitUsage);
    EXPECT_EQ(run({"frobnicate"}).status, kExitUsage);

    r = run({"adduser", "example.org"}, "pw");
    EXPECT_EQ(r.status, kExitFailed);
    EXPECT_EQ(r.err, "cadenzactl: give the account as user@host, not 'example.org'\n");
    r = run({"adduser", "a@example.org/res"}, "pw");
    EXPECT_EQ(r.status, kExitFailed);
    r = run({"adduser", "a b@example.org"}, "pw");
    EXPECT_EQ(r.err, "cadenzactl: 'a b@example.org' is not a valid JID\n");
    r = run({"register", "a:b", "example.org", "pw"});
    EXPECT_EQ(r.err, "cadenzactl: 'a:b' is not a valid username\n");
}

TEST_F(AccountCommandsTest, ConfigProblemsAreReported) {
    std::ofstream(config_) << "storage = \"redis\"\nVirtualHost \"example.org\"\n";
    Result r = run({"register", "alice", "example.org", "pw"});
    EXPECT_EQ(r.status, kExitFailed);
    EXPECT_NE(r.err.find("storage"), std::string::npos) << r.err;
    std::filesystem::remove(config_);
    r = run({"register", "alice", "example.org", "pw"});
    EXPECT_EQ(r.status, kExitFailed);
    EXPECT_NE(r.err.find("cadenzactl: register failed: "), std::string::npos) << r.err;
}

TEST(ReadNewPassword, ReadsOneLineWhenNotATerminal) {
    Capture prompt;
    for (auto [input, expected] : std::vector<std::pair<std::string, std::string>>{
             {"secret\nsecond line\n", "secret"},
             {"windows\r\n", "windows"},
             {"no newline", "no newline"},
             {"\n", ""},
         }) {
        Capture in;
        std::fputs(input.c_str(), in.get());
        std::rewind(in.get());
        EXPECT_EQ(read_new_password(in.get(), prompt.get(), "a@b"), expected) << input;
    }
    EXPECT_EQ(prompt.text(), ""); // no prompts for a script
    Capture empty;
    EXPECT_FALSE(read_new_password(empty.get(), prompt.get(), "a@b").has_value());
    EXPECT_EQ(prompt.text(), "cadenzactl: no password on standard input for a@b\n");
}

} // namespace
} // namespace cadenza
