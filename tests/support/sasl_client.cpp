#include "sasl_client.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace cadenza::test {

namespace {

const EVP_MD* digest_for(const std::string& mechanism) {
    if (mechanism == "SCRAM-SHA-1") {
        return EVP_sha1();
    }
    if (mechanism == "SCRAM-SHA-256") {
        return EVP_sha256();
    }
    return nullptr;
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(md, key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
    return std::string(reinterpret_cast<char*>(out), length);
}

std::string hash(const EVP_MD* md, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), out, &length, md, nullptr);
    return std::string(reinterpret_cast<char*>(out), length);
}

// RFC 5802 §5.1: ',' and '=' in a user name are escaped as =2C and =3D.
std::string sasl_name(std::string_view name) {
    std::string out;
    for (char c : name) {
        if (c == ',') {
            out += "=2C";
        } else if (c == '=') {
            out += "=3D";
        } else {
            out += c;
        }
    }
    return out;
}

// The value of attribute `key` ("r", "s", "i"...) in a SCRAM message; nullopt when absent.
std::optional<std::string> scram_attr(std::string_view message, char key) {
    std::size_t start = 0;
    while (start <= message.size()) {
        std::size_t end = message.find(',', start);
        if (end == std::string_view::npos) {
            end = message.size();
        }
        std::string_view part = message.substr(start, end - start);
        if (part.size() >= 2 && part[0] == key && part[1] == '=') {
            return std::string(part.substr(2));
        }
        start = end + 1;
    }
    return std::nullopt;
}

} // namespace

std::string base64_encode(std::string_view bytes) {
    std::vector<unsigned char> out(4 * ((bytes.size() + 2) / 3) + 1);
    int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                            static_cast<int>(bytes.size()));
    return std::string(reinterpret_cast<char*>(out.data()), static_cast<std::size_t>(n));
}

std::optional<std::string> base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        return std::nullopt;
    }
    std::vector<unsigned char> out(3 * (text.size() / 4) + 1);
    int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                            static_cast<int>(text.size()));
    if (n < 0) {
        return std::nullopt;
    }
    // EVP_DecodeBlock counts the padding as zero bytes.
    std::size_t length = static_cast<std::size_t>(n);
    for (std::size_t i = text.size(); i > 0 && text[i - 1] == '=' && length > 0; --i) {
        --length;
    }
    return std::string(reinterpret_cast<char*>(out.data()), length);
}

SaslClient::SaslClient(std::string mechanism, std::string username, std::string password,
                       std::string nonce)
    : mechanism_(std::move(mechanism)), username_(std::move(username)),
      password_(std::move(password)), client_nonce_(std::move(nonce)) {
    if (mechanism_ != "PLAIN" && digest_for(mechanism_) == nullptr) {
        throw std::invalid_argument("unsupported SASL mechanism in tests: " + mechanism_);
    }
    if (client_nonce_.empty()) {
        unsigned char random[18];
        RAND_bytes(random, sizeof random);
        client_nonce_ = base64_encode(std::string_view(reinterpret_cast<char*>(random), 18));
    }
    client_first_bare_ = "n=" + sasl_name(username_) + ",r=" + client_nonce_;
}

std::string SaslClient::initial_response() const {
    if (mechanism_ == "PLAIN") {
        return std::string(1, '\0') + username_ + std::string(1, '\0') + password_;
    }
    return "n,," + client_first_bare_; // no channel binding, no authzid
}

std::optional<std::string> SaslClient::respond(std::string_view challenge) {
    ++challenges_;
    const EVP_MD* md = digest_for(mechanism_);
    if (md == nullptr) {
        error_ = "PLAIN expects no challenge";
        return std::nullopt;
    }
    if (challenges_ == 2) {
        if (!verify_server_final(challenge)) {
            return std::nullopt;
        }
        return std::string();
    }
    if (challenges_ > 2) {
        error_ = "more than two SCRAM challenges";
        return std::nullopt;
    }
    std::string server_first(challenge);
    auto nonce = scram_attr(server_first, 'r');
    auto salt64 = scram_attr(server_first, 's');
    auto iterations_text = scram_attr(server_first, 'i');
    if (server_first.starts_with("m=") || !nonce || !salt64 || !iterations_text) {
        error_ = "malformed server-first-message: " + server_first;
        return std::nullopt;
    }
    if (!nonce->starts_with(client_nonce_) || nonce->size() == client_nonce_.size()) {
        error_ = "server nonce does not extend the client nonce: " + server_first;
        return std::nullopt;
    }
    auto salt = base64_decode(*salt64);
    int iterations = 0;
    try {
        iterations = std::stoi(*iterations_text);
    } catch (const std::exception&) {
        iterations = 0;
    }
    if (!salt || iterations <= 0) {
        error_ = "bad salt or iteration count: " + server_first;
        return std::nullopt;
    }

    std::string salted(static_cast<std::size_t>(EVP_MD_get_size(md)), '\0');
    PKCS5_PBKDF2_HMAC(password_.data(), static_cast<int>(password_.size()),
                      reinterpret_cast<const unsigned char*>(salt->data()),
                      static_cast<int>(salt->size()), iterations, md,
                      static_cast<int>(salted.size()),
                      reinterpret_cast<unsigned char*>(salted.data()));
    std::string client_key = hmac(md, salted, "Client Key");
    std::string stored_key = hash(md, client_key);
    std::string without_proof = "c=" + base64_encode("n,,") + ",r=" + *nonce;
    auth_message_ = client_first_bare_ + "," + server_first + "," + without_proof;
    std::string signature = hmac(md, stored_key, auth_message_);
    std::string proof = client_key;
    for (std::size_t i = 0; i < proof.size(); ++i) {
        proof[i] = static_cast<char>(proof[i] ^ signature[i]);
    }
    server_signature_ = hmac(md, hmac(md, salted, "Server Key"), auth_message_);
    return without_proof + ",p=" + base64_encode(proof);
}

bool SaslClient::verify_server_final(std::string_view message) {
    auto verifier = scram_attr(message, 'v');
    if (!verifier) {
        error_ = "server-final-message without a verifier: " + std::string(message);
        return false;
    }
    auto decoded = base64_decode(*verifier);
    if (!decoded || *decoded != server_signature_) {
        error_ = "wrong server signature: " + std::string(message);
        return false;
    }
    server_verified_ = true;
    return true;
}

bool SaslClient::verify_success(std::string_view data) {
    if (mechanism_ == "PLAIN" || server_verified_) {
        return true;
    }
    if (server_signature_.empty()) {
        error_ = "success before the SCRAM exchange";
        return false;
    }
    return verify_server_final(data);
}

} // namespace cadenza::test
