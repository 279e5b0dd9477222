// cadenzactl's account verbs as an operator runs them: the real binary, a generated config,
// the password on standard input, exit codes and messages.
#include "server_process.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace cadenza::test {
namespace {

class Cadenzactl : public ::testing::Test {
protected:
    void SetUp() override {
        config_ = dir_.write("cadenza.cfg.lua", "data_path = \"data\"\n"
                                                "VirtualHost \"example.org\"\n"
                                                "VirtualHost \"off.example\"\n"
                                                "    enabled = false\n");
    }
    std::vector<std::string> command(std::vector<std::string> words) const {
        std::vector<std::string> argv{env_path("CADENZACTL_BINARY"), "--config", config_};
        argv.insert(argv.end(), words.begin(), words.end());
        return argv;
    }
    RunResult ctl(std::vector<std::string> words) { return run_program(command(words), dir_); }
    RunResult ctl_with_input(std::vector<std::string> words, std::string_view input) {
        return run_program_with_input(command(words), dir_, input);
    }

    TempDir dir_;
    std::string config_;
};

TEST_F(Cadenzactl, RegisterTwiceIsRefusedTheSecondTime) {
    RunResult r = ctl({"register", "alice", "example.org", "pencil"});
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("created account alice@example.org"), std::string::npos) << r.output;
    // The database lives under data_path, relative to the config file.
    EXPECT_TRUE(std::filesystem::exists(dir_.file("data/cadenza.sqlite")));
    // The password is not in any file the tool wrote.
    for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path())) {
        if (entry.is_regular_file() && entry.path().filename() != "cadenza.cfg.lua") {
            EXPECT_EQ(read_file(entry.path().string()).find("pencil"), std::string::npos)
                << entry.path();
        }
    }

    r = ctl({"register", "Alice", "example.org", "other"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("user alice@example.org already exists"), std::string::npos)
        << r.output;
}

TEST_F(Cadenzactl, UnknownAndDisabledHostsAreRefused) {
    RunResult r = ctl({"register", "alice", "nowhere.org", "pencil"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("host 'nowhere.org' is not a VirtualHost in " + config_),
              std::string::npos)
        << r.output;
    r = ctl_with_input({"adduser", "alice@off.example"}, "pencil\n");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("host 'off.example' is disabled"), std::string::npos) << r.output;
}

TEST_F(Cadenzactl, AdduserPasswdDeluserWithThePasswordOnStdin) {
    RunResult r = ctl_with_input({"adduser", "bob@example.org"}, "first secret\n");
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("created account bob@example.org"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("first secret"), std::string::npos) << r.output;

    r = ctl_with_input({"adduser", "bob@example.org"}, "again\n");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("already exists"), std::string::npos) << r.output;

    r = ctl_with_input({"passwd", "bob@example.org"}, "second secret\n");
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("changed the password of bob@example.org"), std::string::npos)
        << r.output;

    r = ctl({"deluser", "bob@example.org"});
    ASSERT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("deleted account bob@example.org"), std::string::npos) << r.output;

    // Gone: deleting again and changing its password are refused, and the name is free again.
    r = ctl({"deluser", "bob@example.org"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("no such user bob@example.org"), std::string::npos) << r.output;
    r = ctl_with_input({"passwd", "bob@example.org"}, "x\n");
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("no such user bob@example.org"), std::string::npos) << r.output;
    EXPECT_EQ(ctl({"register", "bob", "example.org", "pw"}).status, 0);
}

TEST_F(Cadenzactl, AdduserWithoutAPasswordCreatesNothing) {
    RunResult r = ctl({"adduser", "carol@example.org"}); // stdin is /dev/null
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("no password on standard input"), std::string::npos) << r.output;
    r = ctl({"deluser", "carol@example.org"});
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.output.find("no such user"), std::string::npos) << r.output;
}

TEST_F(Cadenzactl, UsageErrorsExitWithTwo) {
    for (const auto& words : std::vector<std::vector<std::string>>{
             {},
             {"register", "alice", "example.org"},
             {"register", "alice", "example.org", "pw", "extra"},
             {"adduser"},
             {"passwd", "a@example.org", "b@example.org"},
             {"deluser"},
             {"no-such-verb"},
         }) {
        RunResult r = ctl(words);
        EXPECT_EQ(r.status, 2) << (words.empty() ? "" : words[0]) << "\n" << r.output;
        EXPECT_NE(r.output.find("usage: cadenzactl"), std::string::npos) << r.output;
    }
    EXPECT_FALSE(std::filesystem::exists(dir_.file("data")));
}

} // namespace
} // namespace cadenza::test
