#include "accounts/roster_store.hpp"

#include "accounts/account_store.hpp"
#include "accounts_fixture.hpp"

#include <event2/event.h>

namespace cadenza::accounts {
namespace {

constexpr std::string_view kHost = "example.org";

class RosterStoreTest : public TempDatabaseTest {
protected:
    void SetUp() override {
        TempDatabaseTest::SetUp();
        AccountStore accounts(db(), 1); // one PBKDF2 round: these tests are about rosters
        ASSERT_EQ(accounts.create(kHost, "alice", "pw"), AccountStatus::kOk);
        ASSERT_EQ(accounts.create(kHost, "bob", "pw"), AccountStatus::kOk);
    }

    static RosterItem make_item(std::string contact) {
        RosterItem item;
        item.contact = std::move(contact);
        return item;
    }
};

TEST(Subscription, NamesRoundTrip) {
    for (auto s :
         {Subscription::kNone, Subscription::kTo, Subscription::kFrom, Subscription::kBoth}) {
        EXPECT_EQ(parse_subscription(subscription_name(s)), s);
    }
    EXPECT_EQ(subscription_name(Subscription::kFrom), "from");
    EXPECT_FALSE(parse_subscription("remove").has_value());
    EXPECT_FALSE(parse_subscription("").has_value());
}

TEST_F(RosterStoreTest, ItemsRoundTripEveryField) {
    RosterStore roster(db());
    RosterItem full;
    full.contact = "carol@example.net";
    full.name = "Carol \"C\" <c>";
    full.subscription = Subscription::kTo;
    full.ask = true;
    full.approved = true;
    full.groups = {"Friends", "Work\nand more", "Ünïcødé \\ \"q\""};
    RosterItem bare = make_item("dave@example.net");

    ASSERT_TRUE(roster.upsert(kHost, "alice", full).has_value());
    ASSERT_TRUE(roster.upsert(kHost, "alice", bare).has_value());

    auto items = roster.items(kHost, "alice");
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0], full);
    EXPECT_EQ(items[1], bare);
    EXPECT_EQ(roster.item(kHost, "alice", "dave@example.net"), bare);
    EXPECT_FALSE(roster.item(kHost, "alice", "erin@example.net").has_value());
    // Rosters are per user.
    EXPECT_TRUE(roster.items(kHost, "bob").empty());
    EXPECT_FALSE(roster.item(kHost, "bob", "carol@example.net").has_value());
}

TEST_F(RosterStoreTest, UpsertReplacesTheItem) {
    RosterStore roster(db());
    RosterItem item = make_item("carol@example.net");
    item.name = "Carol";
    item.groups = {"A"};
    item.ask = true;
    ASSERT_TRUE(roster.upsert(kHost, "alice", item));
    item.name = "";
    item.groups = {};
    item.ask = false;
    item.subscription = Subscription::kBoth;
    ASSERT_TRUE(roster.upsert(kHost, "alice", item));
    auto items = roster.items(kHost, "alice");
    ASSERT_EQ(items.size(), 1u);
    EXPECT_EQ(items[0], item);
}

TEST_F(RosterStoreTest, EveryChangeBumpsTheVersion) {
    RosterStore roster(db());
    EXPECT_EQ(roster.version(kHost, "alice"), 0);
    EXPECT_EQ(roster.upsert(kHost, "alice", make_item("carol@example.net")), 1);
    EXPECT_EQ(roster.upsert(kHost, "alice", make_item("dave@example.net")), 2);
    EXPECT_EQ(roster.upsert(kHost, "alice", make_item("carol@example.net")), 3);
    EXPECT_EQ(roster.remove(kHost, "alice", "carol@example.net"), 4);
    EXPECT_EQ(roster.version(kHost, "alice"), 4);
    // Removing what is not there changes nothing.
    EXPECT_EQ(roster.remove(kHost, "alice", "carol@example.net"), 4);
    EXPECT_EQ(roster.version(kHost, "alice"), 4);
    EXPECT_EQ(roster.items(kHost, "alice").size(), 1u);
    // Versions are per user.
    EXPECT_EQ(roster.version(kHost, "bob"), 0);
    EXPECT_EQ(roster.upsert(kHost, "bob", make_item("carol@example.net")), 1);
}

TEST_F(RosterStoreTest, RosterSurvivesReopening) {
    RosterItem item = make_item("carol@example.net");
    item.groups = {"Friends"};
    {
        RosterStore roster(db());
        ASSERT_TRUE(roster.upsert(kHost, "alice", item));
        ASSERT_TRUE(roster.add_pending_in(kHost, "alice", "dave@example.net", "<presence/>"));
    }
    open();
    RosterStore roster(db());
    EXPECT_EQ(roster.items(kHost, "alice"), std::vector<RosterItem>{item});
    EXPECT_EQ(roster.version(kHost, "alice"), 1);
    EXPECT_EQ(roster.pending_in(kHost, "alice").size(), 1u);
}

TEST_F(RosterStoreTest, WritingForAnUnknownAccountFails) {
    RosterStore roster(db());
    std::optional<bool> done;
    EXPECT_FALSE(roster
                     .upsert(kHost, "nobody", make_item("carol@example.net"),
                             [&](bool committed) { done = committed; })
                     .has_value());
    EXPECT_EQ(done, false);
    EXPECT_FALSE(roster.add_pending_in("other.org", "alice", "carol@example.net", "<presence/>"));
    EXPECT_TRUE(roster.items(kHost, "nobody").empty());
}

TEST_F(RosterStoreTest, DoneRunsAfterTheLoopTurnCommits) {
    event_base* base = event_base_new();
    {
        std::optional<bool> done; // outlives server_db, whose destructor may still report
        storage::Database server_db(file(), base);
        RosterStore roster(server_db);
        auto version = roster.upsert(kHost, "alice", make_item("carol@example.net"),
                                     [&](bool committed) { done = committed; });
        // The work is done and visible to this connection; not yet durable.
        EXPECT_EQ(version, 1);
        EXPECT_EQ(roster.items(kHost, "alice").size(), 1u);
        EXPECT_FALSE(done.has_value());
        EXPECT_TRUE(RosterStore(db()).items(kHost, "alice").empty());

        // Committed at the end of the turn, done once the sync thread reports (bounded wait).
        for (int turn = 0; turn < 500 && !done; ++turn) {
            timeval tick{0, 10 * 1000};
            event_base_loopexit(base, &tick);
            event_base_loop(base, EVLOOP_ONCE);
        }
        EXPECT_EQ(done, true);
        EXPECT_EQ(RosterStore(db()).items(kHost, "alice").size(), 1u);
    }
    event_base_free(base);
}

TEST_F(RosterStoreTest, PendingRequestsKeepArrivalOrderAndOnePerContact) {
    RosterStore roster(db());
    EXPECT_TRUE(roster.pending_in(kHost, "alice").empty());
    ASSERT_TRUE(roster.add_pending_in(kHost, "alice", "zed@example.net", "<presence id='1'/>"));
    ASSERT_TRUE(roster.add_pending_in(kHost, "alice", "carol@example.net", "<presence id='2'/>"));
    // A repeated request replaces the stanza and keeps its place.
    ASSERT_TRUE(roster.add_pending_in(kHost, "alice", "zed@example.net", "<presence id='3'/>"));
    auto pending = roster.pending_in(kHost, "alice");
    ASSERT_EQ(pending.size(), 2u);
    EXPECT_EQ(pending[0].contact, "zed@example.net");
    EXPECT_EQ(pending[0].stanza, "<presence id='3'/>");
    EXPECT_EQ(pending[1].contact, "carol@example.net");
    EXPECT_TRUE(roster.pending_in(kHost, "bob").empty());

    ASSERT_TRUE(roster.remove_pending_in(kHost, "alice", "zed@example.net"));
    pending = roster.pending_in(kHost, "alice");
    ASSERT_EQ(pending.size(), 1u);
    EXPECT_EQ(pending[0].contact, "carol@example.net");
    // Pending requests are not roster changes.
    EXPECT_EQ(roster.version(kHost, "alice"), 0);
}

TEST_F(RosterStoreTest, StoresCanBeBuiltInEitherOrder) {
    // A fresh database where the roster store comes first still gets the accounts table.
    db_.reset();
    std::filesystem::remove(file());
    open();
    RosterStore roster(db());
    AccountStore accounts(db(), 1);
    ASSERT_EQ(accounts.create(kHost, "alice", "pw"), AccountStatus::kOk);
    EXPECT_EQ(roster.upsert(kHost, "alice", make_item("carol@example.net")), 1);
}

} // namespace
} // namespace cadenza::accounts
