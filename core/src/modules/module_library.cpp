#include "modules/module_library.hpp"

#include <dlfcn.h>

#include <algorithm>
#include <filesystem>
#include <system_error>

#ifndef CADENZA_MODULE_DIR
#error "CADENZA_MODULE_DIR must be defined by the build"
#endif

namespace cadenza::modules {
namespace fs = std::filesystem;
namespace {

std::vector<std::string> to_strings(const char* const* list) {
    std::vector<std::string> out;
    for (; list != nullptr && *list != nullptr; ++list) {
        out.emplace_back(*list);
    }
    return out;
}

// True when the running executable lies under the build tree, i.e. a developer runs the
// server or a test straight from the build directory.
bool running_from_build_tree() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) {
        return false;
    }
    fs::path root = fs::weakly_canonical(CADENZA_BUILD_ROOT, ec);
    if (ec) {
        return false;
    }
    exe = fs::weakly_canonical(exe, ec);
    if (ec) {
        return false;
    }
    auto [root_end, exe_it] = std::mismatch(root.begin(), root.end(), exe.begin(), exe.end());
    return root_end == root.end();
}

bool is_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

const char* or_none(const char* s) {
    return s == nullptr ? "(none)" : s;
}

} // namespace

std::vector<std::string> ModuleLibrary::dependencies() const {
    return to_strings(definition_->dependencies);
}

std::vector<std::string> ModuleLibrary::declared_options() const {
    return to_strings(definition_->options);
}

bool is_valid_module_name(std::string_view name) {
    if (name.empty()) {
        return false;
    }
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok) {
            return false;
        }
    }
    return true;
}

std::vector<std::string> module_search_paths(const Options& global,
                                             const std::string& config_path) {
    std::vector<std::string> dirs;
    fs::path config_dir = fs::path(config_path).parent_path();
    for (const auto& entry : global.get_list("plugin_paths")) {
        fs::path p(entry);
        if (p.is_relative() && !config_dir.empty()) {
            p = config_dir / p;
        }
        p = p.lexically_normal();
        if (!p.has_filename() && p.has_relative_path()) {
            p = p.parent_path(); // "dir/." normalises to "dir/": show it as "dir"
        }
        dirs.push_back(p.string());
    }
    dirs.emplace_back(CADENZA_MODULE_DIR);
    if (running_from_build_tree()) {
        dirs.emplace_back(CADENZA_BUILD_MODULE_DIR);
    }
    return dirs;
}

LocateResult locate_module(std::string_view name, const std::vector<std::string>& dirs) {
    LocateResult result;
    const std::string file = "mod_" + std::string(name) + ".so";
    for (const auto& dir : dirs) {
        for (const fs::path& candidate : {fs::path(dir) / file, fs::path(dir) / name / file}) {
            result.searched.push_back(candidate.string());
            if (is_file(candidate)) {
                result.found = candidate.string();
                return result;
            }
        }
    }
    return result;
}

OpenResult open_module(const std::string& path, std::string_view name) {
    OpenResult result;
    const std::string quoted = "module '" + std::string(name) + "'";
    dlerror();
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        const char* why = dlerror();
        result.error = "cannot load " + quoted + " from " + path + ": " +
                       (why != nullptr ? why : "dlopen failed");
        return result;
    }
    auto refuse = [&](std::string why) {
        dlclose(handle);
        result.error = std::move(why);
        return result;
    };

    using EntryPoint = const ModuleDefinition* (*)();
    void* symbol = dlsym(handle, CADENZA_MODULE_ENTRY_SYMBOL);
    if (symbol == nullptr) {
        return refuse(path + " is not a Cadenza module: no " CADENZA_MODULE_ENTRY_SYMBOL " symbol");
    }
    // POSIX guarantees that a dlsym'd object pointer converts to a function pointer.
    auto entry = reinterpret_cast<EntryPoint>(symbol); // NOLINT
    const ModuleDefinition* def = entry();
    if (def == nullptr) {
        return refuse(path + ": " CADENZA_MODULE_ENTRY_SYMBOL " returned no definition");
    }
    if (def->api_version != kApiVersion) {
        return refuse(quoted + " was built for module API version " +
                      std::to_string(def->api_version) + ", this server has API version " +
                      std::to_string(kApiVersion) +
                      "; rebuild the module against this server's headers");
    }
    const std::string server_fingerprint = CADENZA_BUILD_FINGERPRINT;
    if (def->build_fingerprint == nullptr || server_fingerprint != def->build_fingerprint) {
        return refuse(quoted + " was built as '" + or_none(def->build_fingerprint) +
                      "', this server as '" + server_fingerprint +
                      "'; rebuild the module with the same C++ library and settings");
    }
    if (def->name == nullptr || name != def->name) {
        return refuse(path + " defines module '" + or_none(def->name) + "', not '" +
                      std::string(name) + "'; the file must be named mod_<module name>.so");
    }
    if (def->load == nullptr) {
        return refuse(quoted + " (" + path + ") has no load function");
    }
    result.library = std::make_shared<ModuleLibrary>(path, handle, def);
    return result;
}

} // namespace cadenza::modules
