// cadenzactl's account verbs, with prosodyctl's names and habits:
//   register USER HOST PASSWORD    adduser JID    passwd JID    deluser JID
// Each loads the config, accepts only an enabled VirtualHost of it, opens the database at the
// configured storage location (creating data_path if needed) with no event loop, and makes
// one synchronous change through accounts::AccountStore.
#pragma once

#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza {

// Exit codes of cadenzactl.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1; // refused (unknown host, existing user, ...) or failed
inline constexpr int kExitUsage = 2;

struct AccountCommandIo {
    std::FILE* out = stdout; // what was done
    std::FILE* err = stderr; // refusals, errors and usage
    // Asks for the new password of `jid` (adduser, passwd). nullopt means no password was
    // given; the reader has said why on `err`.
    std::function<std::optional<std::string>(const std::string& jid)> read_password;
};

// True for the verbs run_account_command handles.
bool is_account_command(std::string_view verb);

// The usage lines of the account verbs, for cadenzactl's help.
std::string_view account_commands_usage();

// Runs `words` (words[0] is the verb) against the config at `config_path`. Returns kExitOk,
// kExitFailed (the message is on io.err) or kExitUsage (wrong arguments). Never throws.
int run_account_command(const std::string& config_path, const std::vector<std::string>& words,
                        const AccountCommandIo& io);

// prosodyctl's prompting: on a terminal, the password twice without echo (prompts on `prompt`);
// otherwise one line from `in` (its trailing newline removed), for scripts. nullopt, with a
// message on `prompt`, on end of input or when the two entries differ.
std::optional<std::string> read_new_password(std::FILE* in, std::FILE* prompt,
                                             const std::string& jid);

} // namespace cadenza
