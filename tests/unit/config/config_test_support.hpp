// Helpers for the config tests: a real temporary directory, and catching a ConfigError's text.
#pragma once

#include "config/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cadenza::config::test {

// A directory made with mkdtemp and removed with everything in it.
class TempDir {
public:
    TempDir() {
        const char* tmp = std::getenv("TMPDIR");
        std::string pattern =
            std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/cadenza-config-XXXXXX";
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::runtime_error("mkdtemp failed for " + pattern);
        }
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::string& path() const { return path_; }

    // Writes `name` (relative, parents created); returns its full path.
    std::string write(const std::string& name, std::string_view content) const {
        std::filesystem::path p = std::filesystem::path(path_) / name;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        if (!out) {
            throw std::runtime_error("cannot write " + p.string());
        }
        return p.string();
    }

private:
    std::string path_;
};

// The message of the ConfigError `fn` throws; fails the test when it throws nothing.
inline std::string config_error(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const ConfigError& e) {
        return e.what();
    }
    ADD_FAILURE() << "expected a ConfigError";
    return {};
}

// Evaluates `text` as "test.cfg.lua".
inline Config eval(std::string_view text, const EvalLimits& limits = {}) {
    return load_config_string(text, "test.cfg.lua", ".", limits);
}

inline std::string eval_error(std::string_view text, const EvalLimits& limits = {}) {
    return config_error([&] { eval(text, limits); });
}

} // namespace cadenza::config::test
