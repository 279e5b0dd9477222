#include "accounts/server_secrets.hpp"

#include "accounts/immediate_transaction.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace cadenza::accounts {
namespace {

const std::vector<std::string_view> kSchema = {
    "CREATE TABLE secrets (name TEXT PRIMARY KEY, value BLOB NOT NULL)",
};

std::string random_bytes(std::size_t count) {
    std::string out(count, '\0');
    if (count > 0 &&
        RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(count)) != 1) {
        throw std::runtime_error("the OpenSSL random generator failed; cannot create a secret");
    }
    return out;
}

} // namespace

ServerSecrets::ServerSecrets(storage::Database& db) : db_(db) {
    db_.migrate("secrets", kSchema);
}

std::string ServerSecrets::get_or_create(std::string_view name, std::size_t bytes) {
    return run_immediate(db_, [&] {
        storage::Statement& get = db_.prepare("SELECT value FROM secrets WHERE name = ?");
        get.bind(1, name);
        if (get.step()) {
            std::string value(get.column_view(0));
            get.reset();
            return value;
        }
        std::string value = random_bytes(bytes);
        db_.prepare("INSERT INTO secrets (name, value) VALUES (?, ?)")
            .bind(1, name)
            .bind_blob(2, value)
            .run();
        return value;
    });
}

} // namespace cadenza::accounts
