// Each local user's roster (RFC 6121 §2) and the subscription requests that wait for them
// (RFC 6121 §3.1.3), in the server's one SQLite database.
//
// Tables: roster (one row per contact: name, subscription, ask, approved, groups as a JSON
// array of strings, see group_list.hpp), roster_versions (a counter per user, bumped by every
// change, usable as the RFC 6121 §2.6 `ver`), roster_pending_in (the <presence
// type='subscribe'/> stanza per contact). Every row belongs to an account: a foreign key with
// ON DELETE CASCADE removes them with it, and writing for a user without an account fails.
//
// Arguments are prepared already: `username` Nodeprep'd (as the session or the SASL exchange
// has it), `contact` a bare JID's text (Jid::bare().full()). Reads are direct. Writes join the
// Database's group commit (Database::write): their work is done, and visible to later reads,
// before the call returns; `done(true)` runs once it is durable, so answer the client and send
// roster pushes from there. A write whose work fails (a storage error) is rolled back and logged
// by the Database: the call returns nullopt/false and done(false) runs. With a null loop (tools,
// tests) the commit, and done, happen before the call returns.
// Loop thread only; borrows the Database, which must outlive the store.
#pragma once

#include <cadenza/storage.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::accounts {

enum class Subscription { kNone, kTo, kFrom, kBoth };

// "none", "to", "from", "both", as in the roster item's `subscription` attribute.
std::string_view subscription_name(Subscription subscription);
std::optional<Subscription> parse_subscription(std::string_view name);

struct RosterItem {
    std::string contact; // bare JID text, prepared
    std::string name;    // the user's name for the contact; "" when none
    Subscription subscription = Subscription::kNone;
    bool ask = false;      // an outbound subscribe is pending: ask='subscribe'
    bool approved = false; // pre-approved inbound subscription (RFC 6121 §3.4)
    std::vector<std::string> groups;

    friend bool operator==(const RosterItem&, const RosterItem&) = default;
};

// An inbound subscription request not answered yet.
struct PendingSubscription {
    std::string contact; // bare JID text of the requester
    std::string stanza;  // the <presence type='subscribe'/> as received, serialised
};

// Runs after the write's commit: true when it is durable, false when it failed (logged).
using WriteDone = std::function<void(bool committed)>;

class RosterStore {
public:
    // Migrates the schema (schema store "roster", and "accounts" which it references).
    // Throws StorageError.
    explicit RosterStore(storage::Database& db);

    // The roster, by contact. A damaged groups column is logged and read as no groups.
    std::vector<RosterItem> items(std::string_view host, std::string_view username);
    std::optional<RosterItem> item(std::string_view host, std::string_view username,
                                   std::string_view contact);
    // The user's roster version: 0 before the first change, then +1 per change.
    std::int64_t version(std::string_view host, std::string_view username);

    // Inserts or replaces the item for item.contact and bumps the version. Returns the new
    // version, or nullopt when the write failed.
    std::optional<std::int64_t> upsert(std::string_view host, std::string_view username,
                                       const RosterItem& item, WriteDone done = nullptr);
    // Removes the contact's item; the version is bumped only if there was one. Returns the
    // version after the call, or nullopt when the write failed.
    std::optional<std::int64_t> remove(std::string_view host, std::string_view username,
                                       std::string_view contact, WriteDone done = nullptr);

    // Keeps one request per contact: a new one replaces the stanza of the last. Returns false
    // when the write failed.
    bool add_pending_in(std::string_view host, std::string_view username, std::string_view contact,
                        std::string_view stanza, WriteDone done = nullptr);
    // Oldest first, to be delivered at the user's next login.
    std::vector<PendingSubscription> pending_in(std::string_view host, std::string_view username);
    // Once the user approved or denied it. Returns false when the write failed.
    bool remove_pending_in(std::string_view host, std::string_view username,
                           std::string_view contact, WriteDone done = nullptr);

private:
    // Runs `work` through Database::write; false when it threw (write logged and rolled back).
    bool write(const std::function<void(storage::Database&)>& work, WriteDone done);

    storage::Database& db_;
};

} // namespace cadenza::accounts
