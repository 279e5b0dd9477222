// A server context for module tests: a config built as plain data, real hosts, a real
// event_base, the fault modules of tests/modules as the plugin path, and captured log lines.
#pragma once

#include "log/log_sinks.hpp"
#include "modules/module_manager.hpp"
#include "server/server_context.hpp"

#include <gtest/gtest.h>

#include <event2/event.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace cadenza::testing {

inline ConfigValue string_value(std::string s) {
    return ConfigValue(std::move(s));
}

inline ConfigValue list_value(std::initializer_list<std::string> items) {
    ConfigValue::Table t;
    for (const auto& item : items) {
        t.array.emplace_back(item);
    }
    return ConfigValue(std::move(t));
}

inline ConfigValue map_value(std::initializer_list<std::pair<std::string, std::string>> items) {
    ConfigValue::Table t;
    for (const auto& [key, value] : items) {
        t.map.emplace(key, ConfigValue(value));
    }
    return ConfigValue(std::move(t));
}

class LogCapture {
public:
    LogCapture() {
        logging::set_capture([this](LogLevel level, std::string_view tag, std::string_view msg) {
            lines_.push_back({level, std::string(tag), std::string(msg)});
        });
    }
    ~LogCapture() { logging::set_capture({}); }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;

    bool contains(LogLevel level, std::string_view needle) const {
        for (const auto& l : lines_) {
            if (l.level == level && l.message.find(needle) != std::string::npos) {
                return true;
            }
        }
        return false;
    }
    std::size_t count(LogLevel level) const {
        std::size_t n = 0;
        for (const auto& l : lines_) {
            n += l.level == level ? 1 : 0;
        }
        return n;
    }
    // Every line, for assertion messages.
    std::string dump() const {
        std::string out;
        for (const auto& l : lines_) {
            out += std::string(log_level_name(l.level)) + " " + l.tag + ": " + l.message + "\n";
        }
        return out;
    }

private:
    struct Line {
        LogLevel level;
        std::string tag;
        std::string message;
    };
    std::vector<Line> lines_;
};

class ModuleTest : public ::testing::Test {
protected:
    ModuleTest() : base_(event_base_new()) {
        const char* dir = std::getenv("CADENZA_TEST_MODULE_DIR");
        module_dir_ = dir != nullptr ? dir : "";
        config_.path = module_dir_ + "/test.cfg.lua";
        config_.global.name = "*";
        // Relative to the config file's directory: the fault modules' build folder.
        config_.global.options["plugin_paths"] = list_value({"."});
    }
    ~ModuleTest() override {
        manager_.reset();
        context_.reset();
        event_base_free(base_);
    }
    ModuleTest(const ModuleTest&) = delete;
    ModuleTest& operator=(const ModuleTest&) = delete;

    void SetUp() override { ASSERT_FALSE(module_dir_.empty()) << "CADENZA_TEST_MODULE_DIR unset"; }

    // The returned reference is valid until the next add_*.
    config::Section& add_virtual_host(const std::string& name) {
        config::Section& s = config_.hosts.emplace_back();
        s.name = name;
        s.kind = config::SectionKind::kVirtualHost;
        return s;
    }
    config::Section& add_component(const std::string& name, const std::string& module) {
        config::Section& s = config_.hosts.emplace_back();
        s.name = name;
        s.kind = config::SectionKind::kComponent;
        s.component_module = module;
        return s;
    }

    // Creates the server context and the manager; the config must not change afterwards.
    modules::ModuleManager& start(bool with_loop = true) {
        context_ = std::make_unique<ServerContext>(with_loop ? base_ : nullptr, config_);
        for (const auto& section : config_.hosts) {
            context_->hosts.push_back(std::make_unique<Host>(section, config_.global));
        }
        manager_ = std::make_unique<modules::ModuleManager>(*context_);
        return *manager_;
    }

    Host& host(std::string_view name) {
        Host* h = context_->find_host(name);
        if (h == nullptr) {
            throw std::logic_error("no host " + std::string(name));
        }
        return *h;
    }

    // Runs the loop in short slices until `done` or the deadline.
    bool run_until(const std::function<bool()>& done,
                   std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
        auto until = std::chrono::steady_clock::now() + deadline;
        while (!done()) {
            if (std::chrono::steady_clock::now() > until) {
                return false;
            }
            timeval slice{0, 10 * 1000};
            event_base_loopexit(base_, &slice);
            event_base_dispatch(base_);
        }
        return true;
    }

    int pending_events() const { return event_base_get_num_events(base_, EVENT_BASE_COUNT_ADDED); }

    std::string module_file(const std::string& name) const {
        return module_dir_ + "/mod_" + name + ".so";
    }

    LogCapture log_;
    struct event_base* base_;
    std::string module_dir_;
    config::Config config_;
    std::unique_ptr<ServerContext> context_;
    std::unique_ptr<modules::ModuleManager> manager_;
};

} // namespace cadenza::testing
