// cadenza: runs the server in the foreground, logging to stderr unless `log` says otherwise.
#include "server/server.hpp"

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#ifndef CADENZA_VERSION
#define CADENZA_VERSION "dev"
#endif

namespace {

constexpr const char* kDefaultConfig = "cadenza.cfg.lua";

void usage(std::FILE* out) {
    std::fprintf(out,
                 "usage: cadenza [--config FILE]\n"
                 "       cadenza --version\n"
                 "Runs the Cadenza XMPP server in the foreground (default config: %s).\n"
                 "SIGTERM or SIGINT stops it gracefully; SIGHUP reopens log files.\n",
                 kDefaultConfig);
}

} // namespace

int main(int argc, char** argv) {
    std::string config_path = kDefaultConfig;
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if ((arg == "--config" || arg == "-c") && i + 1 < argc) {
            config_path = argv[++i];
        } else if (arg.rfind("--config=", 0) == 0) {
            config_path = arg.substr(std::strlen("--config="));
        } else if (arg == "--version" || arg == "-v") {
            std::printf("cadenza %s\n", CADENZA_VERSION);
            return 0;
        } else if (arg == "--help" || arg == "-h") {
            usage(stdout);
            return 0;
        } else {
            std::fprintf(stderr, "cadenza: unknown argument '%s'\n", arg.c_str());
            usage(stderr);
            return 2;
        }
    }

    try {
        cadenza::Server server(config_path);
        server.start();
        return server.run();
    } catch (const cadenza::ConfigError& e) {
        std::fprintf(stderr, "cadenza: configuration error: %s\n", e.what());
    } catch (const cadenza::StartupError& e) {
        std::fprintf(stderr, "cadenza: cannot start: %s\n", e.what());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cadenza: fatal: %s\n", e.what());
    }
    return 1;
}
