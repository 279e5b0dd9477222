#include "server/config_check.hpp"

#include "config/known_options.hpp"
#include "modules/module_manager.hpp"
#include "net/tls_context.hpp"
#include "server/hosts.hpp"
#include "server/listen_config.hpp"
#include "server/log_config.hpp"
#include "server/storage_config.hpp"

#include <set>

namespace cadenza {
namespace {

// Runs one check, turning its exception into a problem.
template <typename F> void check(CheckReport& report, F&& f) {
    try {
        f();
    } catch (const std::exception& e) {
        report.problems.emplace_back(e.what());
    }
}

void check_option_names(const config::Config& cfg, const std::set<std::string>& module_options,
                        CheckReport& report) {
    auto check_section = [&](const config::Section& section) {
        for (const auto& [name, value] : section.options) {
            if (config::is_core_option(name) || module_options.count(name) != 0) {
                continue;
            }
            std::string where = "option '" + name + "' (" + value.where.str() + ")";
            if (config::is_ignored_prosody_option(name)) {
                report.warnings.push_back(where + " is a Prosody option Cadenza does not use");
            } else {
                report.warnings.push_back(where + " is not used by Cadenza or any configured "
                                                  "module; is it misspelt?");
            }
        }
    };
    check_section(cfg.global);
    for (const auto& host : cfg.hosts) {
        check_section(host);
    }
}

} // namespace

CheckReport check_config_file(const std::string& path) {
    CheckReport report;
    config::Config cfg;
    try {
        cfg = config::load_config_file(path);
    } catch (const std::exception& e) {
        report.problems.emplace_back(e.what());
        return report;
    }

    report.warnings.insert(report.warnings.end(), cfg.warnings.begin(), cfg.warnings.end());
    ServerContext context(nullptr, cfg);
    build_hosts(context, report.problems);

    check(report, [&] { parse_log_option(context.global_options.find("log"), cfg.path); });
    check(report, [&] { read_storage_settings(context.global_options, cfg.path); });
    check(report, [&] {
        std::vector<std::string> virtual_hosts = virtual_host_names(context);
        HttpPlan plan = plan_http(context.global_options, cfg.path, virtual_hosts);
        if (plan.tls) {
            net::make_server_tls_context(plan.tls->certificate, plan.tls->key);
        }
    });

    modules::ModuleManager manager(context);
    std::set<std::string> module_options;
    for (const auto& host : context.hosts) {
        std::vector<std::string> names;
        check(report, [&] { names = manager.configured_modules(*host); });
        for (const auto& name : names) {
            modules::ProbeResult probe = manager.probe(name);
            if (!probe.ok) {
                report.problems.push_back("host '" + host->name + "': " + probe.error);
                continue;
            }
            module_options.insert(probe.options.begin(), probe.options.end());
        }
    }
    check_option_names(cfg, module_options, report);
    return report;
}

} // namespace cadenza
