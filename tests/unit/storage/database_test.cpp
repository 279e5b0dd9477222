#include <cadenza/storage.hpp>

#include <gtest/gtest.h>

#include <event2/event.h>

#include <chrono>
#include <filesystem>
#include <functional>
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
    // Runs the loop until `done` holds (the sync thread reports through the loop), or 5 s.
    bool run_until(const std::function<bool()>& done) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) {
                return false;
            }
            timeval tick{0, 10 * 1000};
            event_base_loopexit(base_, &tick);
            event_base_loop(base_, EVLOOP_ONCE);
        }
        return true;
    }
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
    ASSERT_TRUE(run_until([&] { return done.size() == 3; }));
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
    // The failure is reported at the commit, the others once synced.
    ASSERT_TRUE(run_until([&] { return done.size() == 3; }));
    EXPECT_EQ(done, (std::vector<bool>{false, true, true}));
    EXPECT_EQ(count(db), 2); // a and c; b went with its failing write
}

TEST_F(DatabaseTest, VisibleRunsAtTheCommitAndDoneOnceSynced) {
    Database db(file(), base_);
    db.migrate("test", kSchema);
    std::vector<std::string> order;
    db.write([](Database& d) { d.exec("INSERT INTO items (name) VALUES ('v')"); },
             [&](bool ok) { order.push_back(ok ? "durable" : "failed"); },
             [&] { order.push_back("visible"); });
    db.write([](Database& d) { d.exec("INSERT INTO nowhere VALUES (1)"); },
             [&](bool ok) { order.push_back(ok ? "durable2" : "failed2"); },
             [&] { order.push_back("visible2"); });
    db.flush();
    // Committed: the row is readable by another connection before the sync is reported.
    EXPECT_EQ(order, (std::vector<std::string>{"visible", "failed2"}));
    {
        Database other(file(), nullptr);
        EXPECT_EQ(count(other), 1);
    }
    ASSERT_TRUE(run_until([&] { return order.size() == 3; }));
    EXPECT_EQ(order.back(), "durable");
}

TEST_F(DatabaseTest, AWriteLockHeldElsewhereFailsTheTurnQuicklyAndLaterTurnsRecover) {
    Database db(file(), base_);
    db.migrate("test", kSchema);
    Database holder(file(), nullptr);
    holder.exec("BEGIN IMMEDIATE");
    std::vector<bool> done;
    auto insert = [](std::string name) {
        return [name](Database& d) {
            d.prepare("INSERT INTO items (name) VALUES (?)").bind(1, name).run();
        };
    };
    auto started = std::chrono::steady_clock::now();
    db.write(insert("blocked"), [&](bool ok) { done.push_back(ok); });
    ASSERT_TRUE(run_until([&] { return done.size() == 1; }));
    EXPECT_FALSE(done[0]);
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
    holder.exec("ROLLBACK");
    db.write(insert("later"), [&](bool ok) { done.push_back(ok); });
    ASSERT_TRUE(run_until([&] { return done.size() == 2; }));
    EXPECT_TRUE(done[1]);
    EXPECT_EQ(count(db), 1);
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
    ASSERT_TRUE(run_until([&] { return rounds == 3; }));
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
