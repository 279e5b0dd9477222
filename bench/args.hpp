// The command line of a bench tool: "--name value" options and bare "--name" flags, each written
// into a variable the caller owns (and which must outlive parse()). Numbers are read the way
// atoi/atol/atof read them, with no error checking: the tools are driven by run.sh, and each
// checks the values that matter after parsing.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <string>
#include <utility>

namespace cadenza::bench {

class Args {
public:
    // `tool` prefixes the error messages; `usage` is what follows it on the usage line.
    Args(std::string tool, std::string usage) : tool_(std::move(tool)), usage_(std::move(usage)) {}

    void option(const std::string& name, std::string& out) {
        setters_[name] = [&out](const char* v) { out = v; };
    }
    void option(const std::string& name, int& out) {
        setters_[name] = [&out](const char* v) { out = std::atoi(v); };
    }
    void option(const std::string& name, long& out) {
        setters_[name] = [&out](const char* v) { out = std::atol(v); };
    }
    void option(const std::string& name, double& out) {
        setters_[name] = [&out](const char* v) { out = std::atof(v); };
    }
    // Set to true when the flag is given.
    void flag(const std::string& name, bool& out) { flags_[name] = &out; }

    // Reads argv[1..]. On a missing value or an unknown option, says so on stderr and returns
    // false.
    bool parse(int argc, char** argv) const {
        for (int i = 1; i < argc; ++i) {
            std::string name = argv[i];
            if (auto flag = flags_.find(name); flag != flags_.end()) {
                *flag->second = true;
                continue;
            }
            if (i + 1 >= argc) {
                std::fprintf(stderr, "%s: %s needs a value\n", tool_.c_str(), name.c_str());
                return false;
            }
            auto setter = setters_.find(name);
            if (setter == setters_.end()) {
                std::fprintf(stderr, "%s: unknown option %s\n", tool_.c_str(), name.c_str());
                return false;
            }
            setter->second(argv[++i]);
        }
        return true;
    }

    // For the checks after parse(): returns `valid`, printing the usage line when it is false.
    bool require(bool valid) const {
        if (!valid) {
            std::fprintf(stderr, "usage: %s %s\n", tool_.c_str(), usage_.c_str());
        }
        return valid;
    }

private:
    std::string tool_;
    std::string usage_;
    std::map<std::string, std::function<void(const char*)>> setters_;
    std::map<std::string, bool*> flags_;
};

} // namespace cadenza::bench
