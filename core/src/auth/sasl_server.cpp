#include "auth/sasl_server.hpp"

#include <cadenza/jid.hpp>
#include <cadenza/log.hpp>

#include <gsasl.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace cadenza::auth {
namespace {

const Logger& logger() {
    static const Logger log("sasl");
    return log;
}

// Client messages of these mechanisms are a few hundred bytes; refuse anything absurd early.
constexpr std::size_t kMaxClientMessageBytes = std::size_t{16} * 1024;

std::string random_bytes(std::size_t size) {
    std::string out(size, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(size)) != 1) {
        throw std::runtime_error("OpenSSL could not generate random bytes");
    }
    return out;
}

const std::string& process_decoy_secret() {
    static const std::string secret = random_bytes(32);
    return secret;
}

SaslCondition condition_for(int rc) {
    switch (rc) {
    case GSASL_AUTHENTICATION_ERROR:
    case GSASL_SASLPREP_ERROR: // a password or name that cannot be valid: a wrong one
        return SaslCondition::kNotAuthorized;
    case GSASL_MECHANISM_PARSE_ERROR:
    case GSASL_BASE64_ERROR:
    case GSASL_MECHANISM_CALLED_TOO_MANY_TIMES:
        return SaslCondition::kMalformedRequest;
    case GSASL_MALLOC_ERROR:
    case GSASL_NO_CALLBACK:
    case GSASL_NO_PASSWORD: // we never hand out passwords; keys were missing
        return SaslCondition::kTemporaryAuthFailure;
    default:
        return SaslCondition::kNotAuthorized;
    }
}

SaslStep failure(SaslCondition condition) {
    SaslStep step;
    step.status = SaslStatus::kFailure;
    step.condition = condition;
    return step;
}

} // namespace

struct SaslServer::State {
    std::string domain;
    CredentialLookup lookup;
    SaslOptions options;
    bool plain = false;
    ScramHash hash = ScramHash::kSha256;
    Gsasl_session* session = nullptr;
    SaslCondition start_error = SaslCondition::kNone;

    bool looked_up = false;
    std::string username; // Nodeprep'd; empty when the name was invalid
    std::optional<AccountCredentials> account;
    bool internal_error = false;    // the callback failed; not the client's fault
    bool client_first_seen = false; // SCRAM: the client-first message has arrived

    ~State() {
        if (session != nullptr) {
            gsasl_finish(session);
        }
    }

    // libgsasl's one context, created on first use. gsasl_init is not reentrant, the static
    // initialisation makes it happen once; the callback is set before any session exists.
    static Gsasl* context() {
        struct Context {
            Gsasl* ctx = nullptr;
            Context() {
                int rc = gsasl_init(&ctx);
                if (rc != GSASL_OK) {
                    throw std::runtime_error(std::string("libgsasl failed to start: ") +
                                             gsasl_strerror(rc));
                }
                gsasl_callback_set(ctx, &State::on_property);
            }
            ~Context() { gsasl_done(ctx); }
        };
        static Context instance;
        return instance.ctx;
    }

    // libgsasl asks for a property. Sessions of other contexts (a test's client) have no hook.
    static int on_property(Gsasl* /*ctx*/, Gsasl_session* session, Gsasl_property property) {
        auto* self = static_cast<State*>(gsasl_session_hook_get(session));
        if (self == nullptr) {
            return GSASL_NO_CALLBACK;
        }
        // No exception may unwind through libgsasl's C frames.
        try {
            return self->provide(property);
        } catch (const std::exception& e) {
            logger().error("authentication for ", self->domain, " failed: ", e.what(),
                           "; the client was told to retry later (temporary-auth-failure)");
        } catch (...) {
            logger().error("authentication for ", self->domain, " failed with an unknown error");
        }
        self->internal_error = true;
        return GSASL_AUTHENTICATION_ERROR;
    }

    int provide(Gsasl_property property) {
        switch (property) {
        case GSASL_SCRAM_ITER:
        case GSASL_SCRAM_SALT:
            look_up();
            return set_salt_and_iterations();
        case GSASL_SCRAM_SERVERKEY:
        case GSASL_SCRAM_STOREDKEY:
            look_up();
            return set_keys();
        case GSASL_VALIDATE_SIMPLE:
            look_up();
            return validate_plain();
        default:
            // Notably GSASL_PASSWORD: there is no plaintext to give, so libgsasl's fallbacks
            // that compare passwords never run.
            return GSASL_NO_CALLBACK;
        }
    }

    void look_up() {
        if (looked_up) {
            return;
        }
        looked_up = true;
        const char* authid = gsasl_property_fast(session, GSASL_AUTHID);
        auto prepared = authid != nullptr ? prepare_node(authid) : std::nullopt;
        if (!prepared) {
            return; // a name no account can have: treated as unknown
        }
        username = std::move(*prepared);
        account = lookup(username);
    }

    // The credentials this exchange checks against, or null for an unknown user.
    const ScramCredentials* credentials() {
        if (!account) {
            return nullptr;
        }
        const std::optional<ScramCredentials>* chosen = nullptr;
        if (plain) {
            chosen = account->sha256 ? &account->sha256 : &account->sha1;
        } else {
            chosen = hash == ScramHash::kSha1 ? &account->sha1 : &account->sha256;
        }
        if (!*chosen) {
            return nullptr;
        }
        if (!(*chosen)->well_formed()) {
            throw std::runtime_error("the stored credentials of " + username + "@" + domain +
                                     " are damaged; reset them with `cadenzactl passwd`");
        }
        return &**chosen;
    }

    [[nodiscard]] std::string decoy_salt() const {
        const std::string& secret =
            options.decoy_secret.empty() ? process_decoy_secret() : options.decoy_secret;
        const char* authid = gsasl_property_fast(session, GSASL_AUTHID);
        std::string name = !username.empty() ? username : authid != nullptr ? authid : "";
        std::string label = std::string(scram_hash_name(hash)) + '\0' + domain + '\0' + name;
        return scram_hmac(ScramHash::kSha256, secret, label).substr(0, kScramSaltBytes);
    }

    int set_salt_and_iterations() {
        const ScramCredentials* creds = credentials();
        std::string salt = creds != nullptr ? creds->salt : decoy_salt();
        int iterations = creds != nullptr ? creds->iterations : options.decoy_iterations;
        int rc = gsasl_property_set(session, GSASL_SCRAM_ITER, std::to_string(iterations).c_str());
        if (rc == GSASL_OK) {
            rc = gsasl_property_set(session, GSASL_SCRAM_SALT, base64_encode(salt).c_str());
        }
        return rc;
    }

    // libgsasl 2.2 reads these two properties as base64, although gsasl.h calls them hex.
    int set_keys() {
        const ScramCredentials* creds = credentials();
        std::size_t size = scram_hash_size(hash);
        // Random keys for an unknown user: the proof check runs the same and cannot succeed.
        std::string server_key = creds != nullptr ? creds->server_key : random_bytes(size);
        std::string stored_key = creds != nullptr ? creds->stored_key : random_bytes(size);
        int rc =
            gsasl_property_set(session, GSASL_SCRAM_SERVERKEY, base64_encode(server_key).c_str());
        if (rc == GSASL_OK) {
            rc = gsasl_property_set(session, GSASL_SCRAM_STOREDKEY,
                                    base64_encode(stored_key).c_str());
        }
        return rc;
    }

    int validate_plain() {
        const char* password = gsasl_property_fast(session, GSASL_PASSWORD);
        const ScramCredentials* creds = credentials();
        if (creds != nullptr && password != nullptr) {
            return verify_password(*creds, password) ? GSASL_OK : GSASL_AUTHENTICATION_ERROR;
        }
        // Unknown user: pay for one derivation anyway, so the time does not tell.
        ScramCredentials decoy;
        decoy.hash = ScramHash::kSha256;
        decoy.salt = random_bytes(kScramSaltBytes);
        decoy.iterations = options.decoy_iterations;
        decoy.stored_key = random_bytes(scram_hash_size(decoy.hash));
        decoy.server_key = decoy.stored_key;
        verify_password(decoy, password != nullptr ? password : "");
        return GSASL_AUTHENTICATION_ERROR;
    }

    // authzid: absent, or naming the account itself. libgsasl's PLAIN fills an absent one in
    // with the authcid, so that form is the account itself too.
    [[nodiscard]] bool authzid_allowed() const {
        const char* authzid = gsasl_property_fast(session, GSASL_AUTHZID);
        if (authzid == nullptr || authzid[0] == '\0') {
            return true;
        }
        const char* authid = gsasl_property_fast(session, GSASL_AUTHID);
        if (plain && authid != nullptr && std::string_view(authzid) == authid) {
            return true;
        }
        auto requested = Jid::parse(authzid);
        auto own = Jid::from_parts(username, domain);
        return requested && own && requested->is_bare() && *requested == *own;
    }
};

std::string_view sasl_condition_name(SaslCondition condition) {
    switch (condition) {
    case SaslCondition::kNone:
        return "";
    case SaslCondition::kAborted:
        return "aborted";
    case SaslCondition::kAccountDisabled:
        return "account-disabled";
    case SaslCondition::kCredentialsExpired:
        return "credentials-expired";
    case SaslCondition::kEncryptionRequired:
        return "encryption-required";
    case SaslCondition::kIncorrectEncoding:
        return "incorrect-encoding";
    case SaslCondition::kInvalidAuthzid:
        return "invalid-authzid";
    case SaslCondition::kInvalidMechanism:
        return "invalid-mechanism";
    case SaslCondition::kMalformedRequest:
        return "malformed-request";
    case SaslCondition::kMechanismTooWeak:
        return "mechanism-too-weak";
    case SaslCondition::kNotAuthorized:
        return "not-authorized";
    case SaslCondition::kTemporaryAuthFailure:
        return "temporary-auth-failure";
    }
    return "";
}

std::vector<std::string> SaslServer::mechanisms(bool tls, bool allow_unencrypted_plain) {
    std::vector<std::string> out = {"SCRAM-SHA-256", "SCRAM-SHA-1"};
    if (tls || allow_unencrypted_plain) {
        out.emplace_back("PLAIN");
    }
    return out;
}

SaslServer::SaslServer(std::string_view mechanism, std::string domain, CredentialLookup lookup,
                       SaslOptions options)
    : mechanism_(mechanism), state_(std::make_unique<State>()) {
    State& s = *state_;
    s.domain = std::move(domain);
    s.lookup = std::move(lookup);
    s.options = std::move(options);
    s.plain = mechanism_ == "PLAIN";
    s.hash = mechanism_ == "SCRAM-SHA-1" ? ScramHash::kSha1 : ScramHash::kSha256;
    auto offered = mechanisms(s.options.tls, s.options.allow_unencrypted_plain);
    if (std::find(offered.begin(), offered.end(), mechanism_) == offered.end()) {
        s.start_error =
            s.plain ? SaslCondition::kEncryptionRequired : SaslCondition::kInvalidMechanism;
        return;
    }
    try {
        int rc = gsasl_server_start(State::context(), mechanism_.c_str(), &s.session);
        if (rc != GSASL_OK) {
            throw std::runtime_error(gsasl_strerror(rc));
        }
        gsasl_session_hook_set(s.session, &s);
    } catch (const std::exception& e) {
        logger().error("cannot start SASL ", mechanism_, " for ", s.domain, ": ", e.what(),
                       "; check that libgsasl is installed with its SCRAM and PLAIN mechanisms");
        s.session = nullptr;
        s.start_error = SaslCondition::kTemporaryAuthFailure;
    }
}

SaslServer::~SaslServer() = default;

SaslStep SaslServer::step(std::string_view client_message) {
    if (finished_) {
        return failure(SaslCondition::kMalformedRequest);
    }
    State& s = *state_;
    if (s.start_error != SaslCondition::kNone) {
        finished_ = true;
        return failure(s.start_error);
    }
    // SCRAM messages never contain NUL (RFC 5802 §7); PLAIN uses it as the separator.
    bool nul = !s.plain && client_message.find('\0') != std::string_view::npos;
    if (nul || client_message.size() > kMaxClientMessageBytes) {
        finished_ = true;
        return failure(SaslCondition::kMalformedRequest);
    }

    // A client that asks for channel binding ("p=...") when we offered none must fail
    // (RFC 5802 §6); libgsasl's non-PLUS server would let it go on.
    if (!s.plain && !s.client_first_seen && !client_message.empty()) {
        s.client_first_seen = true;
        if (client_message.front() == 'p') {
            finished_ = true;
            return failure(SaslCondition::kNotAuthorized);
        }
    }

    char* output = nullptr;
    std::size_t output_size = 0;
    int rc =
        gsasl_step(s.session, client_message.data(), client_message.size(), &output, &output_size);
    SaslStep result;
    if (output != nullptr) {
        result.server_message.assign(output, output_size);
        gsasl_free(output);
    }
    if (s.internal_error) {
        finished_ = true;
        return failure(SaslCondition::kTemporaryAuthFailure);
    }
    if (rc == GSASL_NEEDS_MORE) {
        result.status = SaslStatus::kContinue;
        return result;
    }
    finished_ = true;
    if (rc != GSASL_OK) {
        return failure(condition_for(rc));
    }
    // libgsasl said yes; only a known account with valid keys can get here, but check anyway.
    if (!s.account || s.username.empty()) {
        return failure(SaslCondition::kNotAuthorized);
    }
    if (!s.authzid_allowed()) {
        return failure(SaslCondition::kInvalidAuthzid);
    }
    if (s.account->disabled) {
        return failure(SaslCondition::kAccountDisabled);
    }
    result.status = SaslStatus::kSuccess;
    result.username = s.username;
    return result;
}

SaslStep SaslServer::abort() {
    finished_ = true;
    return failure(SaslCondition::kAborted);
}

} // namespace cadenza::auth
