// cadenzactl: administration, with prosodyctl's verbs: `check config` and the account verbs
// (register, adduser, passwd, deluser, in server/account_commands.hpp).
#include "log/log_sinks.hpp"
#include "server/account_commands.hpp"
#include "server/config_check.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#ifndef CADENZA_VERSION
#define CADENZA_VERSION "dev"
#endif

namespace {

void usage(std::FILE* out) {
    std::fprintf(out, "usage: cadenzactl [--config FILE] <command>\n"
                      "commands:\n"
                      "  check config   evaluate the config, find its modules, report problems\n"
                      "  check          the same\n"
                      "  version        print the version\n");
    std::string_view accounts = cadenza::account_commands_usage();
    std::fwrite(accounts.data(), 1, accounts.size(), out);
}

int check_config(const std::string& path) {
    cadenza::CheckReport report = cadenza::check_config_file(path);
    for (const auto& w : report.warnings) {
        std::printf("warning: %s\n", w.c_str());
    }
    for (const auto& p : report.problems) {
        std::printf("problem: %s\n", p.c_str());
    }
    if (report.problems.empty()) {
        std::printf("%s: config OK (%zu warning(s))\n", path.c_str(), report.warnings.size());
        return 0;
    }
    std::printf("%s: %zu problem(s), %zu warning(s)\n", path.c_str(), report.problems.size(),
                report.warnings.size());
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    std::string config_path = "cadenza.cfg.lua";
    std::vector<std::string> words;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if ((arg == "--config" || arg == "-c") && i + 1 < argc) {
            config_path = argv[++i];
        } else if (arg.rfind("--config=", 0) == 0) {
            config_path = arg.substr(std::strlen("--config="));
        } else if (arg == "--help" || arg == "-h") {
            usage(stdout);
            return 0;
        } else {
            words.push_back(arg);
        }
    }
    if (words.empty()) {
        usage(stderr);
        return 2;
    }
    if (words[0] == "version" || words[0] == "--version") {
        std::printf("cadenzactl %s\n", CADENZA_VERSION);
        return 0;
    }
    if (words[0] == "check" && (words.size() == 1 || (words.size() == 2 && words[1] == "config"))) {
        return check_config(config_path);
    }
    if (cadenza::is_account_command(words[0])) {
        // The tool prints what it did; the store's info lines would repeat it.
        cadenza::logging::reset_to_stderr(cadenza::LogLevel::kWarn);
        cadenza::AccountCommandIo io;
        io.read_password = [](const std::string& jid) {
            return cadenza::read_new_password(stdin, stderr, jid);
        };
        return cadenza::run_account_command(config_path, words, io);
    }
    std::fprintf(stderr, "cadenzactl: unknown command '%s'\n", words[0].c_str());
    usage(stderr);
    return 2;
}
