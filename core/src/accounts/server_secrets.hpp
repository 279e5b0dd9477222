// Random secrets the server keeps across restarts, by name, in the server's SQLite database
// (table `secrets`): the key of the SASL decoy salts (SaslOptions::decoy_secret), so that an
// unknown user's decoy salt does not change when the server restarts and give the name away.
//
// Loop thread only (or a tool's only thread); borrows the Database, which must outlive it.
#pragma once

#include <cadenza/storage.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace cadenza::accounts {

// The name the c2s code uses for SaslOptions::decoy_secret.
inline constexpr std::string_view kSaslDecoySecret = "sasl-decoy";

class ServerSecrets {
public:
    // Migrates the schema (schema store "secrets"). Throws StorageError.
    explicit ServerSecrets(storage::Database& db);

    // The secret stored under `name` (raw bytes); when there is none, `bytes` fresh bytes from
    // OpenSSL's RAND_bytes are stored and returned. A stored secret is returned as it is, even
    // if it has another length. Synchronous (its own transaction, see immediate_transaction.hpp),
    // so two processes asking at once agree on one value. Throws StorageError, or
    // std::runtime_error when the random generator fails.
    std::string get_or_create(std::string_view name, std::size_t bytes);

private:
    storage::Database& db_;
};

} // namespace cadenza::accounts
