#include "auth/scram.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>

namespace cadenza::auth {
namespace {

std::string xor_bytes(std::string a, std::string_view b) {
    for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
        a[i] = static_cast<char>(a[i] ^ b[i]);
    }
    return a;
}

// ClientKey computed independently of derive_scram_credentials, straight from OpenSSL.
std::string client_key(ScramHash hash, std::string_view password, std::string_view salt,
                       int iterations) {
    std::string salted(scram_hash_size(hash), '\0');
    PKCS5_PBKDF2_HMAC(
        password.data(), static_cast<int>(password.size()),
        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
        iterations, hash == ScramHash::kSha1 ? EVP_sha1() : EVP_sha256(),
        static_cast<int>(salted.size()), reinterpret_cast<unsigned char*>(salted.data()));
    return scram_hmac(hash, salted, "Client Key");
}

struct Vector {
    ScramHash hash;
    std::string salt_b64;
    std::string client_first_bare;
    std::string server_first;
    std::string client_final_without_proof;
    std::string proof_b64;     // the RFC's p=
    std::string signature_b64; // the RFC's v=
};

// RFC 5802 §5 and RFC 7677 §3: user "user", password "pencil", 4096 iterations.
const Vector rfc5802_vector = {
    ScramHash::kSha1,
    "QSXCR+Q6sek8bf92",
    "n=user,r=fyko+d2lbbFgONRv9qkxdawL",
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j",
    "v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    "rmF9pqV8S7suAoZWja4dJRkFsKQ=",
};
const Vector rfc7677_vector = {
    ScramHash::kSha256,
    "W22ZaJ0SNY7soEsUEjb6gQ==",
    "n=user,r=rOprNGfwEbeRWgbNEkqO",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
    "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

void check_vector(const Vector& v) {
    auto salt = base64_decode(v.salt_b64);
    ASSERT_TRUE(salt);
    auto creds = derive_scram_credentials(v.hash, "pencil", *salt, 4096);
    ASSERT_TRUE(creds);
    EXPECT_EQ(creds->hash, v.hash);
    EXPECT_EQ(creds->salt, *salt);
    EXPECT_EQ(creds->iterations, 4096);
    EXPECT_EQ(creds->stored_key.size(), scram_hash_size(v.hash));
    EXPECT_EQ(creds->server_key.size(), scram_hash_size(v.hash));

    std::string auth_message =
        v.client_first_bare + "," + v.server_first + "," + v.client_final_without_proof;
    // The server's verifier from our ServerKey is the RFC's.
    EXPECT_EQ(base64_encode(scram_hmac(v.hash, creds->server_key, auth_message)), v.signature_b64);

    // The client's proof from an independently computed ClientKey is the RFC's...
    std::string client_signature = scram_hmac(v.hash, creds->stored_key, auth_message);
    std::string key = client_key(v.hash, "pencil", *salt, 4096);
    EXPECT_EQ(base64_encode(xor_bytes(key, client_signature)), v.proof_b64);
    // ...and the server check (H(proof XOR signature) == StoredKey) accepts the RFC's proof.
    auto proof = base64_decode(v.proof_b64);
    ASSERT_TRUE(proof);
    EXPECT_EQ(scram_digest(v.hash, xor_bytes(*proof, client_signature)), creds->stored_key);
}

TEST(Scram, Rfc5802Sha1Vector) {
    check_vector(rfc5802_vector);
}
TEST(Scram, Rfc7677Sha256Vector) {
    check_vector(rfc7677_vector);
}

TEST(Scram, HashNamesAndSizes) {
    EXPECT_EQ(scram_hash_name(ScramHash::kSha1), "SHA-1");
    EXPECT_EQ(scram_hash_name(ScramHash::kSha256), "SHA-256");
    EXPECT_EQ(scram_hash_size(ScramHash::kSha1), 20u);
    EXPECT_EQ(scram_hash_size(ScramHash::kSha256), 32u);
    EXPECT_EQ(scram_digest(ScramHash::kSha256, "").size(), 32u);
}

TEST(Scram, MakeUsesFreshSaltAndGivenIterations) {
    auto a = make_scram_credentials(ScramHash::kSha256, "secret", 100);
    auto b = make_scram_credentials(ScramHash::kSha256, "secret", 100);
    ASSERT_TRUE(a && b);
    EXPECT_EQ(a->salt.size(), kScramSaltBytes);
    EXPECT_NE(a->salt, b->salt);
    EXPECT_NE(a->stored_key, b->stored_key);
    EXPECT_EQ(a->iterations, 100);
    EXPECT_TRUE(a->well_formed());
    EXPECT_EQ(*a, *derive_scram_credentials(ScramHash::kSha256, "secret", a->salt, 100));
    auto d = make_scram_credentials(ScramHash::kSha1, "secret");
    ASSERT_TRUE(d);
    EXPECT_EQ(d->iterations, kDefaultScramIterations);
    EXPECT_EQ(d->stored_key.size(), 20u);
}

TEST(Scram, DeriveRefusesBadInput) {
    EXPECT_FALSE(derive_scram_credentials(ScramHash::kSha256, "pw", "salt", 0));
    EXPECT_FALSE(derive_scram_credentials(ScramHash::kSha256, "", "salt", 1));
    EXPECT_FALSE(derive_scram_credentials(ScramHash::kSha256, "a\x07", "salt", 1));
    EXPECT_FALSE(derive_scram_credentials(ScramHash::kSha256, "a\u0221", "salt", 1));
    EXPECT_FALSE(derive_scram_credentials(ScramHash::kSha256, std::string("a\0b", 3), "s", 1));
}

TEST(Scram, VerifyPassword) {
    auto creds = make_scram_credentials(ScramHash::kSha256, "I\u00ADX", 64);
    ASSERT_TRUE(creds);
    EXPECT_TRUE(verify_password(*creds, "IX")); // SASLprep drops the soft hyphen
    EXPECT_TRUE(verify_password(*creds, "I\u00ADX"));
    EXPECT_FALSE(verify_password(*creds, "ix"));
    EXPECT_FALSE(verify_password(*creds, "IX "));
    EXPECT_FALSE(verify_password(*creds, ""));
    EXPECT_FALSE(verify_password(*creds, "I\x07X"));

    auto sha1 = make_scram_credentials(ScramHash::kSha1, "pencil", 64);
    ASSERT_TRUE(sha1);
    EXPECT_TRUE(verify_password(*sha1, "pencil"));
    EXPECT_FALSE(verify_password(*sha1, "pencil2"));

    ScramCredentials damaged = *sha1;
    damaged.stored_key.pop_back();
    EXPECT_FALSE(damaged.well_formed());
    EXPECT_FALSE(verify_password(damaged, "pencil"));
    damaged = *sha1;
    damaged.iterations = 0;
    EXPECT_FALSE(verify_password(damaged, "pencil"));
}

TEST(Scram, Saslprep) {
    EXPECT_EQ(saslprep("user"), "user");
    EXPECT_EQ(saslprep("I\u00ADX"), "IX");  // RFC 4013 §3 example 1
    EXPECT_EQ(saslprep("\u00AA"), "a");     // example 3: NFKC
    EXPECT_EQ(saslprep("a\u00A0b"), "a b"); // non-ASCII space maps to space
    EXPECT_FALSE(saslprep("\x07"));         // example 5: prohibited
    EXPECT_FALSE(saslprep("\u0627\u0031")); // example 6: bidi
    EXPECT_FALSE(saslprep("\u0221"));       // unassigned in Unicode 3.2
    EXPECT_FALSE(saslprep("\u00AD"));       // prepares to nothing
    EXPECT_FALSE(saslprep("\xff"));         // not UTF-8
}

TEST(Scram, ConstantTimeEqual) {
    EXPECT_TRUE(constant_time_equal("abc", "abc"));
    EXPECT_FALSE(constant_time_equal("abc", "abd"));
    EXPECT_FALSE(constant_time_equal("abc", "ab"));
    EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(Scram, Base64) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode(std::string("\xfb\xff", 2)), "+/8=");
    EXPECT_EQ(base64_decode(""), "");
    EXPECT_EQ(base64_decode("Zg=="), "f");
    EXPECT_EQ(base64_decode("Zm8="), "fo");
    EXPECT_EQ(base64_decode("Zm9vYmFy"), "foobar");
    EXPECT_EQ(base64_decode("+/8="), std::string("\xfb\xff", 2));
    for (const char* bad :
         {"Zg", "Zg=", "Z===", "Zm9v\n", "Zm=v", "!!!!", "Zg==Zg==", "====", "Zm 9"}) {
        EXPECT_FALSE(base64_decode(bad)) << bad;
    }
    std::string all;
    for (int i = 0; i < 256; ++i) {
        all.push_back(static_cast<char>(i));
    }
    EXPECT_EQ(base64_decode(base64_encode(all)), all);
}

} // namespace
} // namespace cadenza::auth
