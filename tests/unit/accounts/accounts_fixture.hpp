// A temp directory with a database file in it, for the account store tests.
#pragma once

#include <cadenza/storage.hpp>

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <stdlib.h>
#include <string>

namespace cadenza::accounts {

class TempDatabaseTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/cadenza-accounts-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir_ = pattern;
        open();
    }
    void TearDown() override {
        db_.reset();
        std::filesystem::remove_all(dir_);
    }
    std::string file() const { return dir_ + "/cadenza.sqlite"; }
    // Closes and opens the database again, as a restart would.
    void open() {
        db_.reset();
        db_ = std::make_unique<storage::Database>(file(), nullptr);
    }
    storage::Database& db() { return *db_; }

    std::string dir_;
    std::unique_ptr<storage::Database> db_;
};

} // namespace cadenza::accounts
