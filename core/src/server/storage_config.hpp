// The storage options Cadenza accepts. Every accepted form means the embedded SQLite store
// under data_path; anything else is refused at start-up rather than silently ignored.
//   storage = "internal" | "sql"        sql = { driver = "SQLite3", database = "x.sqlite" }
//   authentication = "internal_hashed" | "internal_plain"
#pragma once

#include <cadenza/config.hpp>

#include <string>

namespace cadenza {

struct StorageSettings {
    std::string data_path;     // absolute or relative to the config file's directory
    std::string database_file; // the SQLite file
};

// Throws ConfigError naming the option and file:line for an unsupported value.
StorageSettings read_storage_settings(const Options& global, const std::string& config_file);

} // namespace cadenza
