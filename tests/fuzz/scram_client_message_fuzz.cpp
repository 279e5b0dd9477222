// Fuzzes the SASL server (auth/sasl_server.hpp): SCRAM-SHA-256, SCRAM-SHA-1 and PLAIN fed
// arbitrary client messages, against one account juliet / "pencil" whose keys are made once.
//
// Input (libFuzzer's FuzzedDataProvider): the last byte holds the options, then three client
// messages. Options:
//   bits 0-1  mechanism: SCRAM-SHA-256, SCRAM-SHA-1, PLAIN, or a name taken from the input
//   bit 2     the stream is encrypted (PLAIN offered)
//   bit 3     in the later messages, "%n" becomes the nonce the server sent
//   bit 4     the second message gets ",p=<the right proof>" appended (computed here with the
//             password), so the success and authzid paths run too
//   bit 5     the account is disabled
//   bit 6     there is no such account (decoy salts, random keys)
//   bit 7     abort after the first message
// Checked: nothing crashes; success only for juliet, with the password (PLAIN) or the proof
// (SCRAM) and a server signature that verifies; never for a disabled or unknown account; a
// finished exchange refuses further messages with malformed-request.
#include "auth/sasl_server.hpp"
#include "auth/scram.hpp"
#include "log/log_sinks.hpp"

#include <fuzzer/FuzzedDataProvider.h>
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace {

using namespace cadenza::auth;

constexpr std::string_view kPassword = "pencil";
constexpr int kIterations = 64; // cheap: each PLAIN attempt derives once

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "scram_client_message_fuzz: %s\n  %.*s\n", what,
                 static_cast<int>(detail.size()), detail.data());
    std::abort();
}

const AccountCredentials& juliet() {
    static const AccountCredentials credentials = [] {
        AccountCredentials c;
        c.sha1 = make_scram_credentials(ScramHash::kSha1, kPassword, kIterations);
        c.sha256 = make_scram_credentials(ScramHash::kSha256, kPassword, kIterations);
        if (!c.sha1 || !c.sha256) {
            fail("cannot make the test credentials", "");
        }
        return c;
    }();
    return credentials;
}

// The value of attribute `name` ("r", "s", "i") in a SCRAM message, or "".
std::string attribute(std::string_view message, char name) {
    std::size_t pos = 0;
    while (pos < message.size()) {
        std::size_t comma = message.find(',', pos);
        std::string_view part = message.substr(pos, comma == std::string_view::npos
                                                         ? std::string_view::npos
                                                         : comma - pos);
        if (part.size() >= 2 && part[0] == name && part[1] == '=') {
            return std::string(part.substr(2));
        }
        if (comma == std::string_view::npos) {
            break;
        }
        pos = comma + 1;
    }
    return {};
}

std::string replace_nonce(std::string text, const std::string& nonce) {
    for (std::size_t at = text.find("%n"); at != std::string::npos;
         at = text.find("%n", at + nonce.size())) {
        text.replace(at, 2, nonce);
    }
    return text;
}

// The client side of RFC 5802 §3 for juliet: "<final without proof>,p=<proof>", and the
// ServerSignature the server must answer with.
struct Proof {
    std::string final_message;
    std::string server_signature;
};

std::optional<Proof> make_proof(ScramHash hash, std::string_view client_first,
                                std::string_view server_first, std::string_view final_bare) {
    // client-first-message-bare: after the GS2 header "n,[a=...],".
    std::size_t first_comma = client_first.find(',');
    std::size_t second_comma = first_comma == std::string_view::npos
                                   ? std::string_view::npos
                                   : client_first.find(',', first_comma + 1);
    auto salt = base64_decode(attribute(server_first, 's'));
    std::string iterations_text = attribute(server_first, 'i');
    if (second_comma == std::string_view::npos || !salt || iterations_text.empty() ||
        iterations_text.size() > 6) {
        return std::nullopt;
    }
    int iterations = std::atoi(iterations_text.c_str());
    if (iterations < 1) {
        return std::nullopt;
    }
    std::string_view bare = client_first.substr(second_comma + 1);
    const EVP_MD* md = hash == ScramHash::kSha1 ? EVP_sha1() : EVP_sha256();
    std::string salted(scram_hash_size(hash), '\0');
    if (PKCS5_PBKDF2_HMAC(kPassword.data(), static_cast<int>(kPassword.size()),
                          reinterpret_cast<const unsigned char*>(salt->data()),
                          static_cast<int>(salt->size()), iterations, md,
                          static_cast<int>(salted.size()),
                          reinterpret_cast<unsigned char*>(salted.data())) != 1) {
        fail("PBKDF2 failed", "");
    }
    std::string client_key = scram_hmac(hash, salted, "Client Key");
    std::string stored_key = scram_digest(hash, client_key);
    std::string server_key = scram_hmac(hash, salted, "Server Key");
    std::string auth_message = std::string(bare) + "," + std::string(server_first) + "," +
                               std::string(final_bare);
    std::string signature = scram_hmac(hash, stored_key, auth_message);
    std::string proof = client_key;
    for (std::size_t i = 0; i < proof.size(); ++i) {
        proof[i] = static_cast<char>(proof[i] ^ signature[i]);
    }
    return Proof{std::string(final_bare) + ",p=" + base64_encode(proof),
                 "v=" + base64_encode(scram_hmac(hash, server_key, auth_message))};
}

void expect_refused_after_end(SaslServer& server) {
    SaslStep step = server.step("n,,n=juliet,r=x");
    if (step.status != SaslStatus::kFailure || step.condition != SaslCondition::kMalformedRequest) {
        fail("a finished exchange took another message", server.mechanism());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool quiet = [] {
        // Every line is formatted (the code paths count) and dropped: no sink, a no-op capture.
        cadenza::logging::set_sinks({});
        cadenza::logging::set_capture([](cadenza::LogLevel, std::string_view, std::string_view) {});
        return true;
    }();
    (void)quiet;
    if (size < 1) {
        return 0;
    }
    FuzzedDataProvider input(data, size);
    const unsigned flags = input.ConsumeIntegral<std::uint8_t>();
    std::string mechanism;
    switch (flags & 3) {
    case 0: mechanism = "SCRAM-SHA-256"; break;
    case 1: mechanism = "SCRAM-SHA-1"; break;
    case 2: mechanism = "PLAIN"; break;
    default: mechanism = input.ConsumeRandomLengthString(32); break;
    }
    const std::string first = input.ConsumeRandomLengthString();
    std::string second = input.ConsumeRandomLengthString();
    std::string third = input.ConsumeRemainingBytesAsString();

    const bool disabled = (flags & 32) != 0;
    const bool unknown = (flags & 64) != 0;
    int lookups = 0;
    std::string looked_up;
    CredentialLookup lookup = [&](std::string_view username) -> std::optional<AccountCredentials> {
        ++lookups;
        looked_up = username;
        if (unknown || username != "juliet") {
            return std::nullopt;
        }
        AccountCredentials c = juliet();
        c.disabled = disabled;
        return c;
    };
    SaslOptions options;
    options.tls = (flags & 4) != 0;
    options.decoy_secret = "fuzz decoy secret";
    options.decoy_iterations = kIterations;
    SaslServer server(mechanism, "localhost", lookup, options);

    std::optional<Proof> proof;
    std::string last = first; // the message that ended the exchange
    SaslStep step = server.step(first);
    if (flags & 128) {
        step = server.abort();
        if (step.status != SaslStatus::kFailure || step.condition != SaslCondition::kAborted) {
            fail("abort() did not end the exchange with aborted", mechanism);
        }
    } else if (step.status == SaslStatus::kContinue) {
        const std::string server_first = step.server_message;
        if (flags & 8) {
            std::string nonce = attribute(server_first, 'r');
            second = replace_nonce(second, nonce);
            third = replace_nonce(third, nonce);
        }
        if ((flags & 16) && mechanism != "PLAIN") {
            ScramHash hash = mechanism == "SCRAM-SHA-1" ? ScramHash::kSha1 : ScramHash::kSha256;
            proof = make_proof(hash, first, server_first, second);
            if (proof) {
                second = proof->final_message;
            }
        }
        last = second;
        step = server.step(second);
        if (step.status == SaslStatus::kContinue) {
            last = third;
            step = server.step(third);
        }
    }
    if (lookups > 1) {
        fail("the credentials were looked up more than once", mechanism);
    }

    if (step.status == SaslStatus::kSuccess) {
        if (step.username != "juliet" || looked_up != "juliet" || unknown || disabled) {
            fail("success for an account that cannot log in", step.username);
        }
        if (mechanism == "PLAIN") {
            // authzid NUL authcid NUL password: the password must be juliet's.
            std::size_t a = last.find('\0');
            std::size_t b = a == std::string::npos ? a : last.find('\0', a + 1);
            std::string password = b == std::string::npos ? "" : last.substr(b + 1);
            auto prepared = saslprep(password);
            if (!prepared || *prepared != kPassword) {
                fail("PLAIN succeeded without the password", last);
            }
        } else {
            if (!proof) {
                fail("SCRAM succeeded without a computed proof", second);
            }
            if (step.server_message != proof->server_signature) {
                fail("the server signature does not verify", step.server_message);
            }
        }
    }
    if (step.status != SaslStatus::kContinue) {
        if (!server.finished()) {
            fail("the exchange ended but finished() is false", mechanism);
        }
        expect_refused_after_end(server);
    }
    (void)sasl_condition_name(step.condition);
    return 0;
}
