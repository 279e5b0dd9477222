#include <cadenza/storage.hpp>

#include <gtest/gtest.h>

#include <event2/event.h>

#include <filesystem>
#include <stdlib.h>

namespace cadenza::storage {
namespace {

class DatabaseTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/cadenza-db-XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        dir_ = pattern;
        base_ = event_base_new();
    }
    void TearDown() override {
        event_base_free(base_);
        std::filesystem::remove_all(dir_);
    }
    std::string file() const { return dir_ + "/test.sqlite"; }
    static std::int64_t count(Database& db) {
        Statement& s = db.prepare("SELECT count(*) FROM items");
        EXPECT_TRUE(s.step());
        return s.column_int(0);
    }

    std::string dir_;
    event_base* base_ = nullptr;
};

const std::vector<std::string_view> kSchema = {
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)",
};

TEST_F(DatabaseTest, WritesOfOneLoopTurnCommitTogetherBeforeTheirCallbacks) {
    Database db(file(), base_);
    db.migrate("test", kSchema);
    std::vector<bool> done;
    for (int i = 0; i < 3; ++i) {
        db.write(
            [i](Database& d) {
                d.prepare("INSERT INTO items (name) VALUES (?)").bind(1, "item" + std::to_string(i)).run();
            },
            [&](bool ok) { done.push_back(ok); });
    }
    // Not committed yet: a second connection sees nothing, no callback ran.
    {
        Database other(file(), nullptr);
        EXPECT_EQ(count(other), 0);
    }
    EXPECT_TRUE(done.empty());
    event_base_loop(base_, EVLOOP_NONBLOCK);
    EXPECT_EQ(done, (std::vector<bool>{true, true, true}));
    Database other(file(), nullptr);
    EXPECT_EQ(count(other), 3);
}

TEST_F(DatabaseTest, AFailingWriteIsRolledBackAloneAndReported) {
    Database db(file(), base_);
    db.migrate("test", kSchema);
    std::vector<bool> done;
    auto insert = [](std::string name) {
        return [name](Database& d) {
            d.prepare("INSERT INTO items (name) VALUES (?)").bind(1, name).run();
        };
    };
    db.write(insert("a"), [&](bool ok) { done.push_back(ok); });
    db.write(
        [](Database& d) {
            d.prepare("INSERT INTO items (name) VALUES (?)").bind(1, "b").run();
            d.prepare("INSERT INTO items (name) VALUES (?)").bind(1, "a").run(); // UNIQUE fails
        },
        [&](bool ok) { done.push_back(ok); });
    db.write(insert("c"), [&](bool ok) { done.push_back(ok); });
    event_base_loop(base_, EVLOOP_NONBLOCK);
    EXPECT_EQ(done, (std::vector<bool>{true, false, true}));
    EXPECT_EQ(count(db), 2); // a and c; b went with its failing write
}

TEST_F(DatabaseTest, WithoutALoopWritesCommitAtOnce) {
    Database db(file(), nullptr);
    db.migrate("test", kSchema);
    bool committed = false;
    db.write([](Database& d) { d.exec("INSERT INTO items (name) VALUES ('x')"); },
             [&](bool ok) { committed = ok; });
    EXPECT_TRUE(committed);
    Database other(file(), nullptr);
    EXPECT_EQ(count(other), 1);
}

TEST_F(DatabaseTest, CallbacksMayWriteAgain) {
    Database db(file(), base_);
    db.migrate("test", kSchema);
    int rounds = 0;
    std::function<void(bool)> again = [&](bool ok) {
        ASSERT_TRUE(ok);
        if (++rounds < 3) {
            db.write([rounds](Database& d) {
                d.prepare("INSERT INTO items (name) VALUES (?)").bind(1, "r" + std::to_string(rounds)).run();
            }, again);
        }
    };
    db.write([](Database& d) { d.exec("INSERT INTO items (name) VALUES ('r0')"); }, again);
    for (int i = 0; i < 5 && rounds < 3; ++i) {
        event_base_loop(base_, EVLOOP_NONBLOCK);
    }
    EXPECT_EQ(rounds, 3);
    EXPECT_EQ(count(db), 3);
}

TEST_F(DatabaseTest, MigrationsApplyOnceAndSurviveReopening) {
    {
        Database db(file(), nullptr);
        db.migrate("test", kSchema);
        db.exec("INSERT INTO items (name) VALUES ('kept')");
    }
    Database db(file(), nullptr);
    std::vector<std::string_view> more = kSchema;
    more.push_back("ALTER TABLE items ADD COLUMN size INTEGER NOT NULL DEFAULT 0");
    db.migrate("test", more);
    db.migrate("test", more); // nothing left to apply
    Statement& s = db.prepare("SELECT name, size FROM items");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.column_text(0), "kept");
    EXPECT_EQ(s.column_int(1), 0);
}

TEST_F(DatabaseTest, ErrorsCarrySqliteMessages) {
    Database db(file(), nullptr);
    EXPECT_THROW(db.prepare("SELECT * FROM no_such_table"), StorageError);
    try {
        db.exec("INSERT INTO nowhere VALUES (1)");
        FAIL();
    } catch (const StorageError& e) {
        EXPECT_NE(std::string(e.what()).find("no such table"), std::string::npos) << e.what();
    }
    EXPECT_THROW(Database(dir_ + "/missing/dir/x.sqlite", nullptr), StorageError);
}

TEST_F(DatabaseTest, TextAndBlobsRoundTrip) {
    Database db(file(), nullptr);
    db.exec("CREATE TABLE kv (k TEXT, v BLOB)");
    std::string binary("a\0b\xff", 4);
    db.prepare("INSERT INTO kv VALUES (?, ?)").bind(1, "ключ").bind_blob(2, binary).run();
    Statement& s = db.prepare("SELECT k, v FROM kv");
    ASSERT_TRUE(s.step());
    EXPECT_EQ(s.column_text(0), "ключ");
    EXPECT_EQ(s.column_text(1), binary);
}

} // namespace
} // namespace cadenza::storage
