// SCRAM credentials (RFC 5802, RFC 7677): what the account store keeps instead of a password.
//
// From a password, a salt and an iteration count come StoredKey and ServerKey; a server that
// holds only those can check a SCRAM proof or a PLAIN password but cannot log in as the user
// elsewhere with them. Plain values, no I/O; all functions are thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cadenza::auth {

enum class ScramHash { kSha1, kSha256 };

// "SHA-1" / "SHA-256", as in the mechanism names "SCRAM-SHA-1" / "SCRAM-SHA-256".
std::string_view scram_hash_name(ScramHash hash);
// Digest size in bytes: 20 / 32.
std::size_t scram_hash_size(ScramHash hash);

// Prosody's default; RFC 7677 asks for at least 4096 for SHA-256 too.
inline constexpr int kDefaultScramIterations = 4096;
inline constexpr std::size_t kScramSaltBytes = 16;

struct ScramCredentials {
    ScramHash hash = ScramHash::kSha256;
    std::string salt; // raw bytes
    int iterations = 0;
    std::string stored_key; // raw bytes, scram_hash_size(hash) of them
    std::string server_key; // raw bytes, scram_hash_size(hash) of them

    // Sizes and iteration count make sense (a stored record may be damaged).
    bool well_formed() const;
    friend bool operator==(const ScramCredentials&, const ScramCredentials&) = default;
};

// SASLprep (RFC 4013, libidn's profile) of a stored string: unassigned code points refused. nullopt
// when the input is not valid UTF-8, contains NUL or prohibited code points, or prepares to
// nothing.
std::optional<std::string> saslprep(std::string_view text);

// SaltedPassword = PBKDF2-HMAC(SASLprep(password), salt, iterations); ClientKey =
// HMAC(SaltedPassword, "Client Key"); StoredKey = H(ClientKey); ServerKey =
// HMAC(SaltedPassword, "Server Key"). nullopt when SASLprep refuses the password or
// iterations < 1.
std::optional<ScramCredentials> derive_scram_credentials(ScramHash hash, std::string_view password,
                                                         std::string_view salt, int iterations);

// As derive_scram_credentials with a fresh random salt of kScramSaltBytes bytes.
std::optional<ScramCredentials> make_scram_credentials(ScramHash hash, std::string_view password,
                                                       int iterations = kDefaultScramIterations);

// True when `password` derives the same StoredKey (compared in constant time). Costs one
// derivation even when SASLprep refuses the password, so the time says nothing about why.
bool verify_password(const ScramCredentials& credentials, std::string_view password);

// The primitives, exposed for tests and for the SASL server's decoy keys.
std::string scram_digest(ScramHash hash, std::string_view data);
std::string scram_hmac(ScramHash hash, std::string_view key, std::string_view data);
// Equal length and bytes, in time that depends on the length only.
bool constant_time_equal(std::string_view a, std::string_view b);

// RFC 4648 base64 with padding, no line breaks. Decoding refuses anything else (whitespace,
// missing padding, characters outside the alphabet).
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

} // namespace cadenza::auth
