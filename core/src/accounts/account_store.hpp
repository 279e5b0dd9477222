// The local accounts of every VirtualHost, in the server's one SQLite database: per account
// the SCRAM-SHA-1 and SCRAM-SHA-256 keys (salt, iteration count, StoredKey, ServerKey), a
// disabled flag and the creation time. Passwords are never stored or logged.
//
// Keys: the host as configured (the VirtualHost's name) and the username after Nodeprep
// ("User" and "user" are one account). Removing an account removes what other tables keep
// for it (roster, pending subscription requests) through ON DELETE CASCADE foreign keys.
//
// Writes here are synchronous: each runs in its own transaction and returns after the commit
// (see immediate_transaction.hpp). Account changes are rare, and cadenzactl and in-band
// registration need the outcome at once; the cost is one fsync, which also commits any group
// of write()s pending on the Database. Loop thread only (or a tool's only thread), like the
// Database it borrows.
#pragma once

#include "auth/sasl_server.hpp"

#include <cadenza/storage.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::accounts {

// The outcome of an account change.
enum class AccountStatus {
    kOk,
    kExists,          // create: the account is already there
    kNotFound,        // set_password, remove, set_disabled: no such account
    kInvalidUsername, // Nodeprep refuses the username (or it is empty)
    kInvalidPassword, // empty, or refused by SASLprep (RFC 4013)
};

// A short English phrase for messages: "already exists", "no such user", ...
std::string_view account_status_text(AccountStatus status);

struct AccountInfo {
    std::string username; // Nodeprep'd
    bool disabled = false;
    std::int64_t created = 0; // seconds since the Unix epoch
};

// Creates the accounts table (schema store "accounts") if needed. AccountStore does it; other
// stores whose tables reference accounts (RosterStore) call it too, so the order in which they
// are built does not matter.
void migrate_account_schema(storage::Database& db);

class AccountStore {
public:
    // Borrows `db`, which must outlive the store; migrates the schema (throws StorageError).
    // New and changed passwords get `iterations` rounds of PBKDF2 for both hashes.
    explicit AccountStore(storage::Database& db, int iterations = auth::kDefaultScramIterations);

    // Creates an account with keys derived from `password` for both hashes.
    // kOk, kExists, kInvalidUsername or kInvalidPassword. Throws StorageError.
    AccountStatus create(std::string_view host, std::string_view username,
                         std::string_view password);
    // Replaces both sets of keys (new salts too). kOk, kNotFound, kInvalidUsername or
    // kInvalidPassword. Throws StorageError.
    AccountStatus set_password(std::string_view host, std::string_view username,
                               std::string_view password);
    // Deletes the account and, by cascade, its roster and pending requests. kOk, kNotFound or
    // kInvalidUsername. Throws StorageError.
    AccountStatus remove(std::string_view host, std::string_view username);
    // A disabled account keeps its data; SASL then fails with account-disabled. kOk, kNotFound
    // or kInvalidUsername. Throws StorageError.
    AccountStatus set_disabled(std::string_view host, std::string_view username, bool disabled);

    // False also for a username Nodeprep refuses. Throws StorageError.
    bool exists(std::string_view host, std::string_view username);
    // The stored keys, for auth::SaslServer; nullopt when there is no such account (or the
    // username is invalid). A damaged key set (wrong sizes) is logged and left out, so that
    // hash fails as for an unknown user. Throws StorageError.
    std::optional<auth::AccountCredentials> credentials(std::string_view host,
                                                        std::string_view username);
    // A CredentialLookup for the accounts of `host`; it borrows this store.
    auth::CredentialLookup credential_lookup(std::string host);
    // The accounts of `host`, by username. Throws StorageError.
    std::vector<AccountInfo> list(std::string_view host);

    // The PBKDF2 rounds new keys get: give the same to SaslOptions::decoy_iterations, so an
    // unknown user's decoy looks like a real account.
    int iterations() const { return iterations_; }

private:
    storage::Database& db_;
    int iterations_;
};

} // namespace cadenza::accounts
