#include "auth/scram.hpp"

#include <idn-free.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stringprep.h>

#include <climits>
#include <stdexcept>

namespace cadenza::auth {
namespace {

const EVP_MD* md_of(ScramHash hash) {
    return hash == ScramHash::kSha1 ? EVP_sha1() : EVP_sha256();
}

const unsigned char* bytes_of(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

bool fits_int(std::size_t size) {
    return size <= static_cast<std::size_t>(INT_MAX);
}

// The derivation after SASLprep; the password bytes are used as given.
ScramCredentials derive_prepared(ScramHash hash, std::string_view password, std::string_view salt,
                                 int iterations) {
    if (!fits_int(password.size()) || !fits_int(salt.size())) {
        throw std::length_error("SCRAM password or salt too long");
    }
    std::string salted(scram_hash_size(hash), '\0');
    if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), bytes_of(salt),
                          static_cast<int>(salt.size()), iterations, md_of(hash),
                          static_cast<int>(salted.size()),
                          reinterpret_cast<unsigned char*>(salted.data())) != 1) {
        throw std::runtime_error("PBKDF2 failed in OpenSSL");
    }
    ScramCredentials out;
    out.hash = hash;
    out.salt = std::string(salt);
    out.iterations = iterations;
    out.stored_key = scram_digest(hash, scram_hmac(hash, salted, "Client Key"));
    out.server_key = scram_hmac(hash, salted, "Server Key");
    OPENSSL_cleanse(salted.data(), salted.size()); // as good as the password itself
    return out;
}

int base64_value(char c) {
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    return c == '/' ? 63 : -1;
}

} // namespace

std::string_view scram_hash_name(ScramHash hash) {
    return hash == ScramHash::kSha1 ? "SHA-1" : "SHA-256";
}

std::size_t scram_hash_size(ScramHash hash) {
    return hash == ScramHash::kSha1 ? 20 : 32;
}

bool ScramCredentials::well_formed() const {
    std::size_t size = scram_hash_size(hash);
    return iterations > 0 && !salt.empty() && stored_key.size() == size &&
           server_key.size() == size;
}

std::optional<std::string> saslprep(std::string_view text) {
    if (text.empty() || text.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    std::string input(text);
    char* output = nullptr;
    // libidn directly: gsasl_saslprep (2.2) inverts its GSASL_ALLOW_UNASSIGNED flag, so asking
    // it to refuse unassigned code points would let them through.
    int rc = stringprep_profile(input.c_str(), &output, "SASLprep", STRINGPREP_NO_UNASSIGNED);
    std::optional<std::string> prepared;
    if (rc == STRINGPREP_OK && output != nullptr && output[0] != '\0') {
        prepared = std::string(output);
    }
    if (output != nullptr) {
        OPENSSL_cleanse(output, std::char_traits<char>::length(output));
        idn_free(output);
    }
    return prepared;
}

std::optional<ScramCredentials> derive_scram_credentials(ScramHash hash, std::string_view password,
                                                         std::string_view salt, int iterations) {
    if (iterations < 1) {
        return std::nullopt;
    }
    auto prepared = saslprep(password);
    if (!prepared) {
        return std::nullopt;
    }
    ScramCredentials out = derive_prepared(hash, *prepared, salt, iterations);
    OPENSSL_cleanse(prepared->data(), prepared->size());
    return out;
}

std::optional<ScramCredentials> make_scram_credentials(ScramHash hash, std::string_view password,
                                                       int iterations) {
    std::string salt(kScramSaltBytes, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) !=
        1) {
        throw std::runtime_error("OpenSSL could not generate a random salt");
    }
    return derive_scram_credentials(hash, password, salt, iterations);
}

bool verify_password(const ScramCredentials& credentials, std::string_view password) {
    if (!credentials.well_formed()) {
        return false;
    }
    auto prepared = saslprep(password);
    // A refused password still pays for one derivation, so timing does not tell why it failed.
    std::string_view input = prepared ? std::string_view(*prepared) : password;
    ScramCredentials candidate =
        derive_prepared(credentials.hash, input, credentials.salt, credentials.iterations);
    if (prepared) {
        OPENSSL_cleanse(prepared->data(), prepared->size());
    }
    return constant_time_equal(candidate.stored_key, credentials.stored_key) && prepared;
}

std::string scram_digest(ScramHash hash, std::string_view data) {
    std::string out(EVP_MAX_MD_SIZE, '\0');
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), reinterpret_cast<unsigned char*>(out.data()), &size,
                   md_of(hash), nullptr) != 1) {
        throw std::runtime_error("digest failed in OpenSSL");
    }
    out.resize(size);
    return out;
}

std::string scram_hmac(ScramHash hash, std::string_view key, std::string_view data) {
    if (!fits_int(key.size())) {
        throw std::length_error("HMAC key too long");
    }
    std::string out(EVP_MAX_MD_SIZE, '\0');
    unsigned int size = 0;
    if (HMAC(md_of(hash), key.data(), static_cast<int>(key.size()), bytes_of(data), data.size(),
             reinterpret_cast<unsigned char*>(out.data()), &size) == nullptr) {
        throw std::runtime_error("HMAC failed in OpenSSL");
    }
    out.resize(size);
    return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string base64_encode(std::string_view bytes) {
    if (bytes.size() > static_cast<std::size_t>(INT_MAX) / 4 * 3) {
        throw std::length_error("base64 input too long");
    }
    std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
    int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes_of(bytes),
                                  static_cast<int>(bytes.size()));
    out.resize(static_cast<std::size_t>(written));
    return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
    // EVP_DecodeBlock skips whitespace and cannot say how much padding it saw, so decode here.
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::string out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        bool last = i + 4 == text.size();
        int pad = 0;
        if (last && text[i + 3] == '=') {
            pad = text[i + 2] == '=' ? 2 : 1;
        }
        unsigned int group = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            int value = k >= static_cast<std::size_t>(4 - pad) ? 0 : base64_value(text[i + k]);
            if (value < 0) {
                return std::nullopt;
            }
            group = (group << 6) | static_cast<unsigned int>(value);
        }
        out.push_back(static_cast<char>((group >> 16) & 0xFF));
        if (pad < 2) {
            out.push_back(static_cast<char>((group >> 8) & 0xFF));
        }
        if (pad < 1) {
            out.push_back(static_cast<char>(group & 0xFF));
        }
    }
    return out;
}

} // namespace cadenza::auth
