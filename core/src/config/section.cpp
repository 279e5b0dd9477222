#include "config/config.hpp"

namespace cadenza::config {

bool Section::enabled() const {
    auto it = options.find("enabled");
    return it == options.end() || !it->second.is_boolean() || it->second.as_boolean();
}

const Section* Config::find_host(std::string_view name) const {
    for (const auto& host : hosts) {
        if (host.name == name) {
            return &host;
        }
    }
    return nullptr;
}

} // namespace cadenza::config
