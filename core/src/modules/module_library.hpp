// Finding a module file and opening it: the search, dlopen, and the checks made before any of
// the module's code beyond its entry point runs.
#pragma once

#include <cadenza/api.hpp>
#include <cadenza/config.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::modules {

// One opened and checked mod_<name>.so, shared by every host that loads the module.
//
// It is never dlclose'd: after a module ran, its code can still be referenced from places the
// core does not track (closures in an event stream's close callbacks, a service a dependent
// copied, a fire snapshot, its static destructors), and unmapping it would turn any of those
// into a crash. Modules are loaded once per process, so keeping them mapped costs nothing.
class ModuleLibrary {
public:
    ModuleLibrary(std::string path, void* handle, const ModuleDefinition* definition)
        : path_(std::move(path)), handle_(handle), definition_(definition) {}
    ModuleLibrary(const ModuleLibrary&) = delete;
    ModuleLibrary& operator=(const ModuleLibrary&) = delete;

    const std::string& path() const { return path_; }
    const ModuleDefinition& definition() const { return *definition_; }
    void* handle() const { return handle_; }
    // The definition's dependencies and option names as strings.
    std::vector<std::string> dependencies() const;
    std::vector<std::string> declared_options() const;

private:
    std::string path_;
    void* handle_;
    const ModuleDefinition* definition_;
};

// Module names are file name parts: letters, digits, '_' and '-' (no '/' or "..").
bool is_valid_module_name(std::string_view name);

// The directories searched for modules, in order: `plugin_paths` (global; relative entries are
// taken relative to the directory of `config_path`), the installed module directory, and the
// build tree's modules directory when this program runs from the build tree.
// Throws ConfigError when plugin_paths is not a list of strings.
std::vector<std::string> module_search_paths(const Options& global, const std::string& config_path);

// Looks for mod_<name>.so, then <name>/mod_<name>.so, in each directory. `found` is empty when
// no file exists; `searched` lists every file tried, in order.
struct LocateResult {
    std::string found;
    std::vector<std::string> searched;
};
LocateResult locate_module(std::string_view name, const std::vector<std::string>& dirs);

// Opens `path` and checks that it defines module `name` for this server. On failure `library`
// is null and `error` is one line saying why and what to do; a refused file is closed again
// (none of its code ran beyond the entry point).
struct OpenResult {
    std::shared_ptr<ModuleLibrary> library;
    std::string error;
};
OpenResult open_module(const std::string& path, std::string_view name);

} // namespace cadenza::modules
