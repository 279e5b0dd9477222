#include "log/log_sinks.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdlib.h>
#include <string>
#include <unistd.h>

namespace cadenza {
namespace {

class LoggerTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/cadenza-log-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        logging::reset_to_stderr(LogLevel::kInfo);
        std::remove((dir_ + "/a.log").c_str());
        std::remove((dir_ + "/a.log.1").c_str());
        std::remove((dir_ + "/errors.log").c_str());
        ::rmdir(dir_.c_str());
    }
    static std::string slurp(const std::string& path) {
        std::ifstream in(path);
        std::ostringstream out;
        out << in.rdbuf();
        return out.str();
    }
    std::string dir_;
};

TEST_F(LoggerTest, FileSinkTakesItsLevelAndAbove) {
    logging::set_sinks({{logging::SinkSpec::Kind::kFile, LogLevel::kInfo, dir_ + "/a.log"},
                        {logging::SinkSpec::Kind::kFile, LogLevel::kError, dir_ + "/errors.log"}});
    Logger log("example.org:pubsub");
    log.debug("hidden");
    log.info("node ", 42, " created");
    log.error("disk full");
    std::string all = slurp(dir_ + "/a.log");
    std::string errors = slurp(dir_ + "/errors.log");
    EXPECT_EQ(all.find("hidden"), std::string::npos);
    EXPECT_NE(all.find("info  example.org:pubsub: node 42 created"), std::string::npos) << all;
    EXPECT_NE(all.find("disk full"), std::string::npos);
    EXPECT_EQ(errors.find("node 42"), std::string::npos);
    EXPECT_NE(errors.find("error example.org:pubsub: disk full"), std::string::npos) << errors;
}

TEST_F(LoggerTest, EnabledFollowsTheLowestSink) {
    logging::set_sinks({{logging::SinkSpec::Kind::kFile, LogLevel::kWarn, dir_ + "/a.log"}});
    EXPECT_FALSE(log_enabled(LogLevel::kInfo));
    EXPECT_TRUE(log_enabled(LogLevel::kWarn));
    logging::set_sinks({{logging::SinkSpec::Kind::kFile, LogLevel::kWarn, dir_ + "/a.log"},
                        {logging::SinkSpec::Kind::kFile, LogLevel::kDebug, dir_ + "/errors.log"}});
    EXPECT_TRUE(log_enabled(LogLevel::kDebug));
}

TEST_F(LoggerTest, ReopenWritesToTheNewFileAfterRotation) {
    logging::set_sinks({{logging::SinkSpec::Kind::kFile, LogLevel::kInfo, dir_ + "/a.log"}});
    Logger log("core");
    log.info("before rotation");
    ASSERT_EQ(std::rename((dir_ + "/a.log").c_str(), (dir_ + "/a.log.1").c_str()), 0);
    logging::reopen_files();
    log.info("after rotation");
    EXPECT_NE(slurp(dir_ + "/a.log.1").find("before rotation"), std::string::npos);
    EXPECT_EQ(slurp(dir_ + "/a.log.1").find("after rotation"), std::string::npos);
    EXPECT_NE(slurp(dir_ + "/a.log").find("after rotation"), std::string::npos);
}

TEST_F(LoggerTest, UnopenableFileIsAnErrorAndKeepsTheOldSinks) {
    logging::set_sinks({{logging::SinkSpec::Kind::kFile, LogLevel::kInfo, dir_ + "/a.log"}});
    EXPECT_THROW(logging::set_sinks({{logging::SinkSpec::Kind::kFile, LogLevel::kInfo,
                                      dir_ + "/no/such/dir/x.log"}}),
                 std::runtime_error);
    Logger("core").info("still here");
    EXPECT_NE(slurp(dir_ + "/a.log").find("still here"), std::string::npos);
}

} // namespace
} // namespace cadenza
