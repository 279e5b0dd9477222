#include "server/listen_config.hpp"

#include "server/paths.hpp"

#include <filesystem>

namespace cadenza {
namespace {

constexpr int kDefaultHttpPort = 5280;
constexpr int kDefaultHttpsPort = 5281;

// A port option: a number or a list of numbers.
std::vector<int> get_ports(const Options& options, std::string_view name, int fallback) {
    const ConfigValue* v = options.find(name);
    if (v == nullptr) {
        return {fallback};
    }
    std::vector<const ConfigValue*> items;
    if (v->is_table()) {
        for (const auto& item : v->as_table().array) {
            items.push_back(&item);
        }
    } else {
        items.push_back(v);
    }
    std::vector<int> ports;
    for (const ConfigValue* item : items) {
        if (!item->is_number() || item->as_number() != static_cast<double>(item->as_integer()) ||
            item->as_integer() < 0 || item->as_integer() > 65535) {
            throw ConfigError("option '" + std::string(name) + "' (" + v->where.str() +
                              ") must be a port number or a list of port numbers (0-65535)");
        }
        ports.push_back(static_cast<int>(item->as_integer()));
    }
    return ports;
}

std::vector<std::string> get_interfaces(const Options& options, std::string_view name,
                                        std::vector<std::string> fallback) {
    if (!options.has(name)) {
        return fallback;
    }
    return options.get_list(name);
}

} // namespace

// The first of `option_names` set, then certificates/<first host>.crt.
std::optional<TlsFiles> find_tls_files(const Options& options, const std::string& config_file,
                                       const std::vector<std::string>& virtual_hosts,
                                       std::initializer_list<const char*> option_names) {
    for (const char* name : option_names) {
        const ConfigValue::Table* table = options.get_table(name);
        if (table == nullptr) {
            continue;
        }
        auto cert = table->map.find("certificate");
        auto key = table->map.find("key");
        const ConfigValue* where = options.find(name);
        if (cert == table->map.end() || key == table->map.end() || !cert->second.is_string() ||
            !key->second.is_string()) {
            throw ConfigError("option '" + std::string(name) + "' (" + where->where.str() +
                              ") needs string fields 'certificate' and 'key'");
        }
        return TlsFiles{resolve_config_path(config_file, cert->second.as_string()),
                        resolve_config_path(config_file, key->second.as_string()),
                        std::string(name) + " (" + where->where.str() + ")"};
    }
    if (auto dir = options.get_string("certificates"); dir && !virtual_hosts.empty()) {
        std::string base = resolve_config_path(config_file, *dir) + "/" + virtual_hosts.front();
        if (std::filesystem::exists(base + ".crt") && std::filesystem::exists(base + ".key")) {
            return TlsFiles{base + ".crt", base + ".key", "certificates (" + base + ".crt)"};
        }
    }
    return std::nullopt;
}

HttpPlan plan_http(const Options& global, const std::string& config_file,
                   const std::vector<std::string>& virtual_hosts) {
    HttpPlan plan;
    auto interfaces = get_interfaces(global, "http_interfaces", {"*", "::"});
    for (int port : get_ports(global, "http_ports", kDefaultHttpPort)) {
        for (const auto& iface : interfaces) {
            plan.addresses.push_back({iface, port, false});
        }
    }

    auto https_ports = get_ports(global, "https_ports", kDefaultHttpsPort);
    if (!https_ports.empty()) {
        plan.tls = find_tls_files(global, config_file, virtual_hosts, {"https_ssl", "ssl"});
        if (plan.tls) {
            auto https_interfaces = get_interfaces(global, "https_interfaces", interfaces);
            for (int port : https_ports) {
                for (const auto& iface : https_interfaces) {
                    plan.addresses.push_back({iface, port, true});
                }
            }
        } else {
            plan.tls_note = "HTTPS is off: no certificate (set https_ssl or ssl = { certificate "
                            "= ..., key = ... })";
        }
    }

    plan.limits.max_header_bytes = static_cast<std::size_t>(
        global.get_int("http_max_header_size", 16 * 1024, 1024, 1024 * 1024));
    plan.limits.max_body_bytes = static_cast<std::size_t>(
        global.get_int("http_max_content_size", 1024 * 1024, 0, 1024LL * 1024 * 1024));
    plan.limits.request_timeout_seconds =
        static_cast<int>(global.get_int("http_request_timeout", 30, 1, 3600));
    plan.limits.max_connections =
        static_cast<std::size_t>(global.get_int("http_max_connections", 0, 0, 10'000'000));
    plan.write_threads = static_cast<unsigned>(global.get_int("http_write_threads", 0, 0, 64));
    if (global.has("trusted_proxies")) {
        try {
            plan.trusted_proxies = http::TrustedProxies::parse(global.get_list("trusted_proxies"));
        } catch (const std::invalid_argument& e) {
            throw ConfigError("option 'trusted_proxies' (" +
                              global.find("trusted_proxies")->where.str() + "): " + e.what());
        }
    }
    return plan;
}

} // namespace cadenza
