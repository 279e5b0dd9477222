// The client side of SASL PLAIN (RFC 4616) and SCRAM-SHA-1 / SCRAM-SHA-256 (RFC 5802, RFC 7677)
// for tests that must choose the mechanism themselves: libstrophe always takes the strongest
// SCRAM the server offers and never PLAIN next to SCRAM. Written from the RFCs, independently
// of the server's implementation, so that the two check each other.
//
//   SaslClient sasl("SCRAM-SHA-1", "alice", "secret");
//   send <auth mechanism='SCRAM-SHA-1'>base64(sasl.initial_response())</auth>
//   on <challenge>: send <response>base64(*sasl.respond(decoded))</response>
//   on <success>:   sasl.verify_success(decoded additional data)
//
// Values only; no I/O. Passwords and user names are used as given (tests use ASCII, where
// SASLprep changes nothing).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cadenza::test {

std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid base64.
std::optional<std::string> base64_decode(std::string_view text);

class SaslClient {
public:
    // `mechanism` is "PLAIN", "SCRAM-SHA-1" or "SCRAM-SHA-256" (std::invalid_argument
    // otherwise). `nonce` is the SCRAM client nonce; empty draws a random one.
    SaslClient(std::string mechanism, std::string username, std::string password,
               std::string nonce = {});

    const std::string& mechanism() const { return mechanism_; }

    // The initial response, raw bytes (base64 them for <auth/>).
    std::string initial_response() const;
    // The answer to a decoded server challenge. For SCRAM the first challenge is the
    // server-first-message; a second one carries the server-final-message (some servers send
    // it that way instead of inside <success/>) and is answered with "" once verified.
    // nullopt when the challenge is invalid (see error()).
    std::optional<std::string> respond(std::string_view challenge);
    // Checks the additional data of <success/> (decoded): for SCRAM, the server signature
    // unless it came in a challenge already. Always true for PLAIN.
    bool verify_success(std::string_view data);

    // Why the last call failed, for test messages.
    const std::string& error() const { return error_; }
    // How many challenges the server sent so far.
    int challenges() const { return challenges_; }

private:
    bool verify_server_final(std::string_view message);

    std::string mechanism_;
    std::string username_;
    std::string password_;
    std::string client_nonce_;
    std::string client_first_bare_;
    std::string auth_message_;
    std::string server_signature_; // expected, raw bytes; empty until the first challenge
    bool server_verified_ = false;
    int challenges_ = 0;
    std::string error_;
};

} // namespace cadenza::test
