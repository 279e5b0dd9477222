#include "server/storage_config.hpp"

#include "server/paths.hpp"

namespace cadenza {
namespace {

[[noreturn]] void unsupported(const Options& options, std::string_view name,
                              const std::string& why) {
    const ConfigValue* v = options.find(name);
    throw ConfigError("option '" + std::string(name) + "' (" + (v ? v->where.str() : "") +
                      "): " + why);
}

} // namespace

StorageSettings read_storage_settings(const Options& global, const std::string& config_file) {
    StorageSettings s;
    s.data_path = resolve_config_path(config_file, global.get_string("data_path", "data"));
    s.database_file = s.data_path + "/cadenza.sqlite";

    // Prosody accepts a string or a per-store table; every store lives in the one database.
    if (const ConfigValue* storage = global.find("storage"); storage != nullptr) {
        std::vector<std::string> backends;
        if (storage->is_string()) {
            backends.push_back(storage->as_string());
        } else if (storage->is_table()) {
            for (const auto& [store, backend] : storage->as_table().map) {
                if (!backend.is_string()) {
                    unsupported(global, "storage", "the backend of store '" + store +
                                                       "' must be a string");
                }
                backends.push_back(backend.as_string());
            }
        } else {
            unsupported(global, "storage", "must be a string or a table");
        }
        for (const auto& b : backends) {
            if (b != "internal" && b != "sql") {
                unsupported(global, "storage",
                            "backend '" + b + "' is not supported; use \"internal\" or \"sql\" "
                            "(both mean Cadenza's embedded SQLite store)");
            }
        }
    }
    if (const ConfigValue::Table* sql = global.get_table("sql"); sql != nullptr) {
        auto driver = sql->map.find("driver");
        if (driver != sql->map.end() &&
            (!driver->second.is_string() || driver->second.as_string() != "SQLite3")) {
            unsupported(global, "sql", "only driver = \"SQLite3\" is supported");
        }
        auto database = sql->map.find("database");
        if (database != sql->map.end()) {
            if (!database->second.is_string()) {
                unsupported(global, "sql", "'database' must be a file name");
            }
            // Prosody takes a relative database name inside data_path.
            const std::string& name = database->second.as_string();
            s.database_file = name.starts_with('/') ? name : s.data_path + "/" + name;
        }
    }
    if (auto auth = global.get_string("authentication");
        auth && *auth != "internal_hashed" && *auth != "internal_plain") {
        unsupported(global, "authentication",
                    "'" + *auth + "' is not supported; use \"internal_hashed\" (SCRAM keys in "
                    "the embedded store)");
    }
    return s;
}

} // namespace cadenza
