// The server side of one SASL exchange (RFC 6120 §6), on GNU SASL: SCRAM-SHA-256 and
// SCRAM-SHA-1 (RFC 7677, RFC 5802) checked against stored keys only, and PLAIN (RFC 4616)
// checked by deriving the stored key from the password. No -PLUS variants are offered: there
// is no channel binding yet.
//
// One SaslServer per <auth/> attempt; the c2s session owns it and drops it when the exchange
// ends. It does the base64-decoded side: the caller decodes <auth/>/<response/> payloads and
// encodes the server messages it gets back. An object is used by one thread at a time;
// different objects may run on different threads (libgsasl sessions are independent; its one
// process-wide context is created on first use and never changed afterwards).
//
// Unknown accounts cannot be told from wrong passwords: both end in not-authorized after the
// same work. For SCRAM an unknown user is served a decoy salt (HMAC of a server secret and the
// username, so it is stable for that name) and the normal iteration count.
#pragma once

#include "auth/scram.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::auth {

// What the account store has for one user. Either hash may be missing (an account created
// before SHA-256 support, say): SCRAM with the missing hash then fails as for an unknown user,
// and PLAIN uses the one that exists (SHA-256 first).
struct AccountCredentials {
    std::optional<ScramCredentials> sha1;
    std::optional<ScramCredentials> sha256;
    bool disabled = false; // authenticates, then fails with account-disabled
};

// Looks an account up by username (already Nodeprep'd and never empty); nullopt when there is
// no such account. Runs inside step(); it may throw (a storage error), which fails the exchange
// with temporary-auth-failure and is logged.
using CredentialLookup =
    std::function<std::optional<AccountCredentials>(std::string_view username)>;

// RFC 6120 §6.5 failure conditions.
enum class SaslCondition {
    kNone,
    kAborted,
    kAccountDisabled,
    kCredentialsExpired,
    kEncryptionRequired,
    kIncorrectEncoding,
    kInvalidAuthzid,
    kInvalidMechanism,
    kMalformedRequest,
    kMechanismTooWeak,
    kNotAuthorized,
    kTemporaryAuthFailure,
};

// The element name: "not-authorized", "malformed-request", ...; "" for kNone.
std::string_view sasl_condition_name(SaslCondition condition);

enum class SaslStatus {
    kContinue, // send server_message as <challenge/>, wait for <response/>
    kSuccess,  // send <success/> with server_message (SCRAM's "v=..."; empty for PLAIN)
    kFailure,  // send <failure/> with condition; the exchange is over
};

struct SaslStep {
    SaslStatus status = SaslStatus::kFailure;
    std::string server_message;                     // raw bytes, before base64
    SaslCondition condition = SaslCondition::kNone; // set when status is kFailure
    std::string username; // on kSuccess: the Nodeprep'd account name (the JID's node)
};

struct SaslOptions {
    bool tls = false; // the stream is encrypted (PLAIN is offered and accepted only then...)
    bool allow_unencrypted_plain = false; // ...unless this is set (allow_unencrypted_plain_auth)
    // Key for the decoy salts of unknown users. Empty: a random key per process, so decoy
    // salts change on restart; pass a persisted secret to keep them stable across restarts.
    std::string decoy_secret;
    int decoy_iterations = kDefaultScramIterations; // match what real accounts use
};

class SaslServer {
public:
    // The mechanisms to advertise, strongest first: SCRAM-SHA-256, SCRAM-SHA-1, and PLAIN when
    // `tls` or `allow_unencrypted_plain` is true.
    static std::vector<std::string> mechanisms(bool tls, bool allow_unencrypted_plain = false);

    // `domain` is the host the client authenticates to (for the authzid check); `lookup` is
    // called at most once per exchange. An unknown or unoffered mechanism does not throw: the
    // first step() fails with invalid-mechanism (or encryption-required for PLAIN without TLS).
    SaslServer(std::string_view mechanism, std::string domain, CredentialLookup lookup,
               SaslOptions options = {});
    ~SaslServer();
    SaslServer(const SaslServer&) = delete;
    SaslServer& operator=(const SaslServer&) = delete;

    // Feeds one client message: the initial response (empty when the client sent none) and
    // then each response. After kSuccess or kFailure the exchange is over and further calls
    // fail with malformed-request. authzid: empty, or the bare JID of the authenticated
    // account (node@domain), else invalid-authzid; it is checked only after the credentials,
    // so a wrong password always gives not-authorized. Never throws.
    SaslStep step(std::string_view client_message);

    // The client sent <abort/>: the exchange ends with aborted.
    SaslStep abort();

    const std::string& mechanism() const { return mechanism_; }
    bool finished() const { return finished_; }

private:
    struct State; // the libgsasl session and what the callbacks found, kept out of this header

    std::string mechanism_;
    bool finished_ = false;
    std::unique_ptr<State> state_;
};

} // namespace cadenza::auth
