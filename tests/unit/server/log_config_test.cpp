#include "server/log_config.hpp"

#include <gtest/gtest.h>

namespace cadenza {
namespace {

using Kind = logging::SinkSpec::Kind;

ConfigValue str(std::string s) { return ConfigValue(std::move(s)); }

ConfigValue table(ConfigValue::Table t) {
    ConfigValue v(std::move(t));
    v.where = {"cadenza.cfg.lua", 7};
    return v;
}

TEST(LogConfig, DefaultIsStderrAtInfo) {
    auto sinks = parse_log_option(nullptr, "/etc/cadenza/cadenza.cfg.lua");
    ASSERT_EQ(sinks.size(), 1U);
    EXPECT_EQ(sinks[0].kind, Kind::kStderr);
    EXPECT_EQ(sinks[0].min_level, LogLevel::kInfo);
}

TEST(LogConfig, StringFormsAndRelativeFiles) {
    auto v = str("*syslog");
    EXPECT_EQ(parse_log_option(&v, "/etc/c.cfg.lua")[0].kind, Kind::kSyslog);
    v = str("*console");
    EXPECT_EQ(parse_log_option(&v, "/etc/c.cfg.lua")[0].kind, Kind::kStderr);
    v = str("logs/cadenza.log");
    auto sinks = parse_log_option(&v, "/etc/cadenza/c.cfg.lua");
    EXPECT_EQ(sinks[0].kind, Kind::kFile);
    EXPECT_EQ(sinks[0].path, "/etc/cadenza/logs/cadenza.log");
}

TEST(LogConfig, LevelTableMeansThatLevelAndAbove) {
    ConfigValue::Table t;
    t.map.emplace("info", str("/var/log/cadenza.log"));
    t.map.emplace("error", str("*syslog"));
    t.map.emplace("debug", str("*console"));
    auto v = table(std::move(t));
    auto sinks = parse_log_option(&v, "/etc/c.cfg.lua");
    ASSERT_EQ(sinks.size(), 3U);
    // The map is ordered by key: debug, error, info.
    EXPECT_EQ(sinks[0].kind, Kind::kStderr);
    EXPECT_EQ(sinks[0].min_level, LogLevel::kDebug);
    EXPECT_EQ(sinks[1].kind, Kind::kSyslog);
    EXPECT_EQ(sinks[1].min_level, LogLevel::kError);
    EXPECT_EQ(sinks[2].kind, Kind::kFile);
    EXPECT_EQ(sinks[2].min_level, LogLevel::kInfo);
}

TEST(LogConfig, ProsodyAdvancedForm) {
    ConfigValue::Table levels;
    levels.map.emplace("min", str("warn"));
    ConfigValue::Table entry;
    entry.map.emplace("levels", ConfigValue(std::move(levels)));
    entry.map.emplace("to", str("file"));
    entry.map.emplace("filename", str("w.log"));
    ConfigValue::Table t;
    t.array.push_back(ConfigValue(std::move(entry)));
    auto v = table(std::move(t));
    auto sinks = parse_log_option(&v, "/srv/c.cfg.lua");
    ASSERT_EQ(sinks.size(), 1U);
    EXPECT_EQ(sinks[0].kind, Kind::kFile);
    EXPECT_EQ(sinks[0].min_level, LogLevel::kWarn);
    EXPECT_EQ(sinks[0].path, "/srv/w.log");
}

TEST(LogConfig, ErrorsNameTheOptionAndPlace) {
    ConfigValue::Table t;
    t.map.emplace("loud", str("*console"));
    auto v = table(std::move(t));
    try {
        parse_log_option(&v, "c.cfg.lua");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("option 'log' (cadenza.cfg.lua:7)"),
                  std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("loud"), std::string::npos);
    }
    ConfigValue number(std::int64_t{3});
    EXPECT_THROW(parse_log_option(&number, "c.cfg.lua"), ConfigError);
}

} // namespace
} // namespace cadenza
