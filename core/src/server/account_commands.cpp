#include "server/account_commands.hpp"

#include "accounts/account_store.hpp"
#include "config/config.hpp"
#include "server/hosts.hpp"
#include "server/storage_config.hpp"

#include <cadenza/jid.hpp>
#include <cadenza/storage.hpp>

#include <csignal>
#include <filesystem>
#include <termios.h>
#include <unistd.h>

namespace cadenza {
namespace {

// A refusal: the message goes to stderr and cadenzactl exits with kExitFailed.
struct Refused {
    std::string message;
};

struct Account {
    std::string user; // Nodeprep'd
    std::string host; // the VirtualHost's name as configured
    std::string jid() const { return user + "@" + host; }
};

struct Verb {
    std::string_view name;
    std::size_t arguments;
    std::string_view usage;
};

constexpr Verb kVerbs[] = {
    {"register", 3, "register USER HOST PASSWORD"},
    {"adduser", 1, "adduser JID"},
    {"passwd", 1, "passwd JID"},
    {"deluser", 1, "deluser JID"},
};

const Verb* find_verb(std::string_view name) {
    for (const auto& v : kVerbs) {
        if (v.name == name) {
            return &v;
        }
    }
    return nullptr;
}

// USER and HOST of `register`, or the parts of a bare JID.
std::pair<std::string, std::string> parse_account(const std::vector<std::string>& words) {
    if (words[0] == "register") {
        auto user = prepare_node(words[1]);
        if (!user) {
            throw Refused{"'" + words[1] + "' is not a valid username"};
        }
        auto host = prepare_domain(words[2]);
        if (!host) {
            throw Refused{"'" + words[2] + "' is not a valid host name"};
        }
        return {*user, *host};
    }
    auto jid = Jid::parse(words[1]);
    if (!jid) {
        throw Refused{"'" + words[1] + "' is not a valid JID"};
    }
    if (jid->node().empty() || !jid->resource().empty()) {
        throw Refused{"give the account as user@host, not '" + words[1] + "'"};
    }
    return {jid->node(), jid->domain()};
}

// The configured VirtualHost that `host` names, as the config spells it.
std::string find_virtual_host(const ServerContext& context, const std::string& host) {
    const config::Config& cfg = context.config;
    for (const auto& section : cfg.hosts) {
        if (prepare_domain(section.name) != host) {
            continue;
        }
        if (section.kind != config::SectionKind::kVirtualHost) {
            throw Refused{"host '" + host + "' is a Component, not a VirtualHost, in " + cfg.path};
        }
        if (!section.enabled()) {
            throw Refused{"host '" + host + "' is disabled (enabled = false) in " + cfg.path};
        }
        return section.name;
    }
    throw Refused{"host '" + host + "' is not a VirtualHost in " + cfg.path};
}

std::string password_refused() {
    return "the password was refused: it is empty or has characters SASLprep (RFC 4013) does "
           "not allow";
}

// The account the words name, checked against the config, and where its database is.
std::pair<Account, StorageSettings> resolve(const std::string& config_path,
                                            const std::vector<std::string>& words) {
    auto [user, host] = parse_account(words);
    config::Config cfg = config::load_config_file(config_path);
    ServerContext context(nullptr, cfg);
    std::vector<std::string> problems; // about Components only: not ours to report
    build_hosts(context, problems);
    Account account{user, find_virtual_host(context, host)};
    return {account, read_storage_settings(context.global_options, cfg.path)};
}

int run(const std::string& config_path, const std::vector<std::string>& words,
        const AccountCommandIo& io) {
    auto [account, storage] = resolve(config_path, words);
    const std::string& verb = words[0];
    bool changes_existing = verb == "passwd" || verb == "deluser";
    if (changes_existing && !std::filesystem::exists(storage.database_file)) {
        // No database yet means no accounts: do not create one just to say so.
        throw Refused{"no such user " + account.jid()};
    }
    std::filesystem::create_directories(storage.data_path);
    storage::Database db(storage.database_file, nullptr);
    accounts::AccountStore store(db);

    bool exists = store.exists(account.host, account.user);
    if (!changes_existing && exists) {
        throw Refused{"user " + account.jid() + " already exists"};
    }
    if (changes_existing && !exists) {
        throw Refused{"no such user " + account.jid()};
    }

    accounts::AccountStatus status = accounts::AccountStatus::kOk;
    std::string done;
    if (verb == "deluser") {
        status = store.remove(account.host, account.user);
        done = "deleted account " + account.jid();
    } else {
        std::optional<std::string> password;
        if (verb == "register") {
            password = words[3];
        } else if (io.read_password) {
            password = io.read_password(account.jid());
        }
        if (!password) {
            return kExitFailed; // the reader said why
        }
        if (verb == "passwd") {
            status = store.set_password(account.host, account.user, *password);
            done = "changed the password of " + account.jid();
        } else {
            status = store.create(account.host, account.user, *password);
            done = "created account " + account.jid();
        }
    }
    switch (status) {
    case accounts::AccountStatus::kOk:
        std::fprintf(io.out, "%s\n", done.c_str());
        return kExitOk;
    case accounts::AccountStatus::kExists:
        throw Refused{"user " + account.jid() + " already exists"};
    case accounts::AccountStatus::kNotFound:
        throw Refused{"no such user " + account.jid()};
    case accounts::AccountStatus::kInvalidPassword:
        throw Refused{password_refused()};
    case accounts::AccountStatus::kInvalidUsername:
        throw Refused{"'" + account.user + "' is not a valid username"};
    }
    return kExitFailed;
}

// While echo is off, a signal must not leave the terminal silent.
struct termios saved_terminal;
int saved_terminal_fd = -1;

void restore_terminal_and_die(int signo) {
    tcsetattr(saved_terminal_fd, TCSAFLUSH, &saved_terminal);
    std::signal(signo, SIG_DFL);
    std::raise(signo);
}

std::optional<std::string> read_line(std::FILE* in) {
    std::string line;
    int c = 0;
    while ((c = std::fgetc(in)) != EOF && c != '\n') {
        line += static_cast<char>(c);
    }
    if (c == EOF && line.empty()) {
        return std::nullopt;
    }
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    return line;
}

std::optional<std::string> read_hidden(std::FILE* in, std::FILE* prompt, const char* text) {
    int fd = fileno(in);
    std::fputs(text, prompt);
    std::fflush(prompt);
    struct termios old {};
    if (tcgetattr(fd, &old) != 0) {
        return read_line(in);
    }
    saved_terminal = old;
    saved_terminal_fd = fd;
    auto old_int = std::signal(SIGINT, restore_terminal_and_die);
    auto old_term = std::signal(SIGTERM, restore_terminal_and_die);
    auto old_hup = std::signal(SIGHUP, restore_terminal_and_die);
    struct termios quiet = old;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL; // the newline still shows, so the next prompt starts a line
    tcsetattr(fd, TCSAFLUSH, &quiet);
    auto line = read_line(in);
    tcsetattr(fd, TCSAFLUSH, &old);
    std::signal(SIGINT, old_int);
    std::signal(SIGTERM, old_term);
    std::signal(SIGHUP, old_hup);
    return line;
}

} // namespace

bool is_account_command(std::string_view verb) {
    return find_verb(verb) != nullptr;
}

std::string_view account_commands_usage() {
    return "  register USER HOST PASSWORD\n"
           "                 create the account USER@HOST with this password\n"
           "  adduser JID    create an account; the password is asked twice on a terminal,\n"
           "                 or read as one line from standard input\n"
           "  passwd JID     set a new password (asked as for adduser)\n"
           "  deluser JID    delete an account with its roster\n";
}

int run_account_command(const std::string& config_path, const std::vector<std::string>& words,
                        const AccountCommandIo& io) {
    const Verb* verb = words.empty() ? nullptr : find_verb(words[0]);
    if (verb == nullptr || words.size() != verb->arguments + 1) {
        std::fprintf(io.err, "usage: cadenzactl [--config FILE] %s\n",
                     verb ? std::string(verb->usage).c_str() : "<command>");
        return kExitUsage;
    }
    try {
        return run(config_path, words, io);
    } catch (const Refused& r) {
        std::fprintf(io.err, "cadenzactl: %s\n", r.message.c_str());
    } catch (const std::exception& e) {
        std::fprintf(io.err, "cadenzactl: %s failed: %s\n", verb->name.data(), e.what());
    }
    return kExitFailed;
}

std::optional<std::string> read_new_password(std::FILE* in, std::FILE* prompt,
                                             const std::string& jid) {
    if (!isatty(fileno(in))) {
        auto line = read_line(in);
        if (!line) {
            std::fprintf(prompt, "cadenzactl: no password on standard input for %s\n", jid.c_str());
        }
        return line;
    }
    std::string first_prompt = "Enter new password for " + jid + ": ";
    auto first = read_hidden(in, prompt, first_prompt.c_str());
    if (!first) {
        std::fprintf(prompt, "cadenzactl: no password given\n");
        return std::nullopt;
    }
    auto second = read_hidden(in, prompt, "Retype new password: ");
    if (!second || *second != *first) {
        std::fprintf(prompt, "cadenzactl: the passwords did not match\n");
        return std::nullopt;
    }
    return first;
}

} // namespace cadenza
