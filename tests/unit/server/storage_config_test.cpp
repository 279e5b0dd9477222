#include "config/config.hpp"
#include "server/storage_config.hpp"

#include <gtest/gtest.h>

namespace cadenza {
namespace {

StorageSettings read(std::string_view text) {
    config::Config cfg = config::load_config_string(text, "/etc/cadenza/cadenza.cfg.lua",
                                                    "/etc/cadenza");
    config::SectionOptions global(nullptr, cfg.global);
    return read_storage_settings(global, "/etc/cadenza/cadenza.cfg.lua");
}

TEST(StorageConfig, DefaultsToDataNextToTheConfig) {
    StorageSettings s = read("");
    EXPECT_EQ(s.data_path, "/etc/cadenza/data");
    EXPECT_EQ(s.database_file, "/etc/cadenza/data/cadenza.sqlite");
}

TEST(StorageConfig, ProsodyFormsMeanTheEmbeddedStore) {
    EXPECT_NO_THROW(read("storage = \"internal\"\nauthentication = \"internal_hashed\"\n"));
    StorageSettings s = read("data_path = \"/var/lib/cadenza\"\nstorage = \"sql\"\n"
                             "sql = { driver = \"SQLite3\", database = \"prosody.sqlite\" }\n");
    EXPECT_EQ(s.database_file, "/var/lib/cadenza/prosody.sqlite");
    EXPECT_NO_THROW(read("storage = { roster = \"internal\", pubsub_nodes = \"sql\" }\n"));
}

TEST(StorageConfig, OtherBackendsAreRefusedWithTheLine) {
    try {
        read("\nstorage = \"mongodb\"\n");
        FAIL() << "expected ConfigError";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("cadenza.cfg.lua:2"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("mongodb"), std::string::npos);
    }
    EXPECT_THROW(read("sql = { driver = \"PostgreSQL\" }\n"), ConfigError);
    EXPECT_THROW(read("authentication = \"ldap\"\n"), ConfigError);
}

} // namespace
} // namespace cadenza
