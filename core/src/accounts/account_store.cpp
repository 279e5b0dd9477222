#include "accounts/account_store.hpp"

#include "accounts/immediate_transaction.hpp"

#include <cadenza/jid.hpp>
#include <cadenza/log.hpp>

#include <ctime>

namespace cadenza::accounts {
namespace {

const Logger kLog("accounts");

// Released steps are never edited: append new ones.
const std::vector<std::string_view> kSchema = {
    "CREATE TABLE accounts ("
    " host TEXT NOT NULL,"
    " username TEXT NOT NULL,"
    " sha1_salt BLOB, sha1_iterations INTEGER, sha1_stored_key BLOB, sha1_server_key BLOB,"
    " sha256_salt BLOB, sha256_iterations INTEGER, sha256_stored_key BLOB,"
    " sha256_server_key BLOB,"
    " disabled INTEGER NOT NULL DEFAULT 0,"
    " created INTEGER NOT NULL,"
    " PRIMARY KEY (host, username))",
};

struct KeyPair {
    auth::ScramCredentials sha1;
    auth::ScramCredentials sha256;
};

std::optional<KeyPair> derive_keys(std::string_view password, int iterations) {
    if (password.empty()) {
        return std::nullopt;
    }
    auto sha1 = auth::make_scram_credentials(auth::ScramHash::kSha1, password, iterations);
    auto sha256 = auth::make_scram_credentials(auth::ScramHash::kSha256, password, iterations);
    if (!sha1 || !sha256) {
        return std::nullopt;
    }
    return KeyPair{std::move(*sha1), std::move(*sha256)};
}

// Binds the eight key columns starting at `first`, in table order.
void bind_keys(storage::Statement& s, int first, const KeyPair& keys) {
    s.bind_blob(first, keys.sha1.salt)
        .bind(first + 1, keys.sha1.iterations)
        .bind_blob(first + 2, keys.sha1.stored_key)
        .bind_blob(first + 3, keys.sha1.server_key)
        .bind_blob(first + 4, keys.sha256.salt)
        .bind(first + 5, keys.sha256.iterations)
        .bind_blob(first + 6, keys.sha256.stored_key)
        .bind_blob(first + 7, keys.sha256.server_key);
}

// Reads one hash's four columns starting at `first`; nullopt when absent or damaged.
std::optional<auth::ScramCredentials> read_keys(const storage::Statement& s, int first,
                                                auth::ScramHash hash, std::string_view who) {
    if (s.column_is_null(first)) {
        return std::nullopt;
    }
    auth::ScramCredentials c;
    c.hash = hash;
    c.salt = std::string(s.column_view(first));
    c.iterations = static_cast<int>(s.column_int(first + 1));
    c.stored_key = std::string(s.column_view(first + 2));
    c.server_key = std::string(s.column_view(first + 3));
    if (!c.well_formed()) {
        kLog.error("account ", who, ": the stored SCRAM-", auth::scram_hash_name(hash),
                   " keys are damaged and are ignored; set a new password with cadenzactl passwd");
        return std::nullopt;
    }
    return c;
}

bool row_exists(storage::Database& db, std::string_view host, std::string_view username) {
    storage::Statement& s = db.prepare("SELECT 1 FROM accounts WHERE host = ? AND username = ?");
    s.bind(1, host).bind(2, username);
    bool found = s.step();
    s.reset();
    return found;
}

std::string jid_text(std::string_view username, std::string_view host) {
    return std::string(username) + "@" + std::string(host);
}

// After an UPDATE or DELETE of one account: kNotFound when it matched no row.
AccountStatus changed_status(storage::Database& db) {
    return db.changes() == 0 ? AccountStatus::kNotFound : AccountStatus::kOk;
}

// Nodepreps `username`, runs `change(user)` and, when it returns kOk, logs `done` followed by
// the account's JID.
template <typename Change>
AccountStatus change_account(std::string_view host, std::string_view username,
                             std::string_view done, Change change) {
    auto user = prepare_node(username);
    if (!user) {
        return AccountStatus::kInvalidUsername;
    }
    AccountStatus status = change(*user);
    if (status == AccountStatus::kOk) {
        kLog.info(done, jid_text(*user, host));
    }
    return status;
}

// change_account for a new password: derives the keys before taking the write lock (PBKDF2 is
// the slow part), then runs `write(user, keys)` in an immediate transaction.
template <typename Write>
AccountStatus change_keys(storage::Database& db, int iterations, std::string_view host,
                          std::string_view username, std::string_view password,
                          std::string_view done, Write write) {
    return change_account(host, username, done, [&](const std::string& user) {
        auto keys = derive_keys(password, iterations);
        if (!keys) {
            return AccountStatus::kInvalidPassword;
        }
        return run_immediate(db, [&] { return write(user, *keys); });
    });
}

} // namespace

std::string_view account_status_text(AccountStatus status) {
    switch (status) {
    case AccountStatus::kOk:
        return "done";
    case AccountStatus::kExists:
        return "already exists";
    case AccountStatus::kNotFound:
        return "no such user";
    case AccountStatus::kInvalidUsername:
        return "invalid username";
    case AccountStatus::kInvalidPassword:
        return "invalid password (empty or not allowed by SASLprep)";
    }
    return "unknown status";
}

void migrate_account_schema(storage::Database& db) {
    db.migrate("accounts", kSchema);
}

AccountStore::AccountStore(storage::Database& db, int iterations)
    : db_(db), iterations_(iterations) {
    migrate_account_schema(db_);
}

AccountStatus AccountStore::create(std::string_view host, std::string_view username,
                                   std::string_view password) {
    auto insert = [&](const std::string& user, const KeyPair& keys) {
        if (row_exists(db_, host, user)) {
            return AccountStatus::kExists;
        }
        storage::Statement& s = db_.prepare(
            "INSERT INTO accounts (host, username, sha1_salt, sha1_iterations, sha1_stored_key, "
            "sha1_server_key, sha256_salt, sha256_iterations, sha256_stored_key, "
            "sha256_server_key, disabled, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)");
        s.bind(1, host).bind(2, user);
        bind_keys(s, 3, keys);
        s.bind(11, static_cast<std::int64_t>(std::time(nullptr)));
        s.run();
        return AccountStatus::kOk;
    };
    return change_keys(db_, iterations_, host, username, password, "created account ", insert);
}

AccountStatus AccountStore::set_password(std::string_view host, std::string_view username,
                                         std::string_view password) {
    return change_keys(
        db_, iterations_, host, username, password, "changed the password of ",
        [&](const std::string& user, const KeyPair& keys) {
            storage::Statement& s = db_.prepare(
                "UPDATE accounts SET sha1_salt = ?, sha1_iterations = ?, sha1_stored_key = ?, "
                "sha1_server_key = ?, sha256_salt = ?, sha256_iterations = ?, "
                "sha256_stored_key = ?, sha256_server_key = ? WHERE host = ? AND username = ?");
            bind_keys(s, 1, keys);
            s.bind(9, host).bind(10, user);
            s.run();
            return changed_status(db_);
        });
}

AccountStatus AccountStore::remove(std::string_view host, std::string_view username) {
    return change_account(host, username, "deleted account ", [&](const std::string& user) {
        return run_immediate(db_, [&] {
            db_.prepare("DELETE FROM accounts WHERE host = ? AND username = ?")
                .bind(1, host)
                .bind(2, user)
                .run();
            return changed_status(db_);
        });
    });
}

AccountStatus AccountStore::set_disabled(std::string_view host, std::string_view username,
                                         bool disabled) {
    std::string_view done = disabled ? "disabled account " : "enabled account ";
    return change_account(host, username, done, [&](const std::string& user) {
        return run_immediate(db_, [&] {
            db_.prepare("UPDATE accounts SET disabled = ? WHERE host = ? AND username = ?")
                .bind(1, disabled ? 1 : 0)
                .bind(2, host)
                .bind(3, user)
                .run();
            return changed_status(db_);
        });
    });
}

bool AccountStore::exists(std::string_view host, std::string_view username) {
    auto user = prepare_node(username);
    return user && row_exists(db_, host, *user);
}

std::optional<auth::AccountCredentials> AccountStore::credentials(std::string_view host,
                                                                  std::string_view username) {
    auto user = prepare_node(username);
    if (!user) {
        return std::nullopt;
    }
    storage::Statement& s = db_.prepare(
        "SELECT sha1_salt, sha1_iterations, sha1_stored_key, sha1_server_key, sha256_salt, "
        "sha256_iterations, sha256_stored_key, sha256_server_key, disabled FROM accounts "
        "WHERE host = ? AND username = ?");
    s.bind(1, host).bind(2, *user);
    if (!s.step()) {
        return std::nullopt;
    }
    std::string who = jid_text(*user, host);
    auth::AccountCredentials c;
    c.sha1 = read_keys(s, 0, auth::ScramHash::kSha1, who);
    c.sha256 = read_keys(s, 4, auth::ScramHash::kSha256, who);
    c.disabled = s.column_int(8) != 0;
    s.reset();
    return c;
}

auth::CredentialLookup AccountStore::credential_lookup(std::string host) {
    return [this, host = std::move(host)](std::string_view username) {
        return credentials(host, username);
    };
}

std::vector<AccountInfo> AccountStore::list(std::string_view host) {
    storage::Statement& s = db_.prepare(
        "SELECT username, disabled, created FROM accounts WHERE host = ? ORDER BY username");
    s.bind(1, host);
    std::vector<AccountInfo> out;
    while (s.step()) {
        out.push_back({s.column_text(0), s.column_int(1) != 0, s.column_int(2)});
    }
    return out;
}

} // namespace cadenza::accounts
