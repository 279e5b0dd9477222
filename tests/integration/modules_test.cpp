// Module loading as the operator sees it: failures are one clear log line each, the server
// keeps running, and `cadenzactl check config` reports the same problems.
#include "server_process.hpp"
#include "test_config.hpp"

#include <gtest/gtest.h>

namespace cadenza::test {
namespace {

std::string faulty_hosts() {
    return "VirtualHost \"localhost\"\n"
           "  modules_enabled = { \"noop\", \"roster\", \"saslauth\", \"tls\", \"disco\" }\n"
           "Component \"old.localhost\" \"wrong_api\"\n"
           "Component \"gone.localhost\" \"does_not_exist\"\n"
           "Component \"fails.localhost\" \"failing_load\"\n"
           "Component \"ok.localhost\" \"example\"\n";
}

TEST(Modules, FailuresAreReportedAndTheServerKeepsRunning) {
    TempDir dir;
    CadenzaServer server(dir, loopback_globals(free_port()) + faulty_hosts());
    ASSERT_TRUE(server.wait_started()) << server.log();
    std::string log = server.log();

    // Wrong API version: names the module, the host and both versions.
    EXPECT_NE(log.find("module 'wrong_api'"), std::string::npos) << log;
    EXPECT_NE(log.find("old.localhost"), std::string::npos) << log;
    EXPECT_NE(log.find("999"), std::string::npos) << log;
    // Missing module: names the module, the host and the paths searched.
    EXPECT_NE(log.find("module 'does_not_exist'"), std::string::npos) << log;
    EXPECT_NE(log.find("gone.localhost"), std::string::npos) << log;
    EXPECT_NE(log.find(env_path("CADENZA_TEST_MODULE_DIR") + "/mod_does_not_exist.so"),
              std::string::npos)
        << log;
    // A load that throws is reported with its message.
    EXPECT_NE(log.find("deliberate failure"), std::string::npos) << log;
    // Prosody's built-in names load without error.
    EXPECT_EQ(log.find("module 'roster'"), std::string::npos) << log;
    EXPECT_EQ(log.find("module 'saslauth' for host"), std::string::npos) << log;

    EXPECT_TRUE(server.process().running());
    EXPECT_EQ(server.stop(), 0) << server.log();
}

TEST(Modules, CheckConfigReportsModuleProblems) {
    TempDir dir;
    std::string cfg = dir.write("bad.cfg.lua", loopback_globals(free_port()) + faulty_hosts());
    RunResult r = run_program({env_path("CADENZACTL_BINARY"), "--config", cfg, "check", "config"},
                              dir);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("wrong_api"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("does_not_exist"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("roster"), std::string::npos) << r.output;
}

TEST(Modules, CheckConfigPassesAGoodConfigAndWarnsAboutUnusedOptions) {
    TempDir dir;
    std::string cfg = dir.write("good.cfg.lua", loopback_globals(free_port()) +
                                                    "daemonize = false\n"
                                                    "VirtualHost \"localhost\"\n"
                                                    "  example_greeting = \"Hi\"\n"
                                                    "  modules_enabled = { \"example\" }\n"
                                                    "  examlpe_keepalive = 3\n");
    RunResult r = run_program({env_path("CADENZACTL_BINARY"), "--config", cfg, "check", "config"},
                              dir);
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("config OK"), std::string::npos) << r.output;
    // A Prosody option Cadenza ignores, and a typo, are warnings.
    EXPECT_NE(r.output.find("'daemonize'"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("'examlpe_keepalive'"), std::string::npos) << r.output;
    // An option the module declares is not.
    EXPECT_EQ(r.output.find("'example_greeting'"), std::string::npos) << r.output;
}

TEST(Modules, CheckConfigReportsSyntaxErrors) {
    TempDir dir;
    std::string cfg = dir.write("broken.cfg.lua", "VirtualHost \"a\"\nmodules_enabled = {\n");
    RunResult r = run_program({env_path("CADENZACTL_BINARY"), "--config", cfg, "check", "config"},
                              dir);
    EXPECT_EQ(r.status, 1) << r.output;
    EXPECT_NE(r.output.find("broken.cfg.lua:"), std::string::npos) << r.output;
}

} // namespace
} // namespace cadenza::test
