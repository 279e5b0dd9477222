// Fuzzes the config evaluator: config::load_config_string on arbitrary text, with small
// instruction and memory caps so each input is fast, then every typed getter on every option
// it set. ConfigError is the only acceptable failure; any other exception, a crash or a
// sanitizer report is a bug.
//
// Inputs that name the file readers (Include, FileContents, FileLine(s), Credential) or _ENV
// are skipped: they read whatever path the input names (/dev/stdin would block the run), which
// is the operator's business, not a parsing question.
#include "config/config.hpp"
#include "log/log_sinks.hpp"

#include <cadenza/config.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

bool reads_files(std::string_view text) {
    for (std::string_view word : {"nclude", "File", "Credential", "_ENV"}) {
        if (text.find(word) != std::string_view::npos) {
            return true;
        }
    }
    return false;
}

// Calls a getter; a wrong type is a ConfigError, which is fine.
template <typename F> void quietly(F&& getter) {
    try {
        getter();
    } catch (const cadenza::ConfigError&) {
    }
}

void read_every_option(const cadenza::config::Section& section,
                       const cadenza::config::Section& global) {
    const cadenza::config::Section* host = &section == &global ? nullptr : &section;
    cadenza::config::SectionOptions options(host, global);
    for (const auto& [name, value] : section.options) {
        const std::string_view n = name;
        (void)value.where.str();
        quietly([&] { (void)options.get_string(n); });
        quietly([&] { (void)options.get_string(n, "fallback"); });
        quietly([&] { (void)options.get_bool(n, false); });
        quietly([&] { (void)options.get_number(n, 1.5); });
        quietly([&] { (void)options.get_int(n, 7, -100, 100); });
        quietly([&] { (void)options.get_int(n, 0, INT64_MIN, INT64_MAX); });
        quietly([&] { (void)options.get_list(n); });
        quietly([&] { (void)options.get_set(n); });
        quietly([&] { (void)options.get_int_list(n, 0, 65535); });
        quietly([&] { (void)options.get_table(n); });
        if (value.is_number()) {
            (void)value.as_integer();
            (void)value.as_number();
        }
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const bool quiet = [] {
        // Every line is formatted (the code paths count) and dropped: no sink, a no-op capture.
        cadenza::logging::set_sinks({});
        cadenza::logging::set_capture([](cadenza::LogLevel, std::string_view, std::string_view) {});
        return true;
    }();
    (void)quiet;
    std::string_view text(reinterpret_cast<const char*>(data), size);
    if (reads_files(text)) {
        return 0;
    }
    cadenza::config::EvalLimits limits;
    limits.max_instructions = 200'000;
    limits.max_memory = std::size_t{8} << 20;
    limits.max_include_depth = 2;
    cadenza::config::Config config;
    try {
        config = cadenza::config::load_config_string(text, "fuzz.cfg.lua",
                                                     "/nonexistent-cadenza-fuzz", limits);
    } catch (const cadenza::ConfigError&) {
        return 0;
    }
    read_every_option(config.global, config.global);
    for (const auto& host : config.hosts) {
        (void)host.enabled();
        (void)config.find_host(host.name);
        read_every_option(host, config.global);
    }
    return 0;
}
