#include "xmpp/c2s_settings.hpp"

namespace cadenza::xmpp {

C2sSettings read_c2s_settings(const Options& global) {
    C2sSettings s;
    std::vector<std::string> interfaces = global.has("c2s_interfaces")
                                              ? global.get_list("c2s_interfaces")
                                              : std::vector<std::string>{"*", "::"};
    std::vector<std::int64_t> ports =
        global.has("c2s_ports") ? global.get_int_list("c2s_ports", 0, 65535)
                                : std::vector<std::int64_t>{5222};
    for (auto port : ports) {
        for (const auto& iface : interfaces) {
            s.addresses.push_back({iface, static_cast<int>(port), false});
        }
    }
    if (global.has("c2s_direct_tls_ports")) {
        for (auto port : global.get_int_list("c2s_direct_tls_ports", 0, 65535)) {
            for (const auto& iface : interfaces) {
                s.addresses.push_back({iface, static_cast<int>(port), true});
            }
        }
    }
    s.require_encryption = global.get_bool("c2s_require_encryption", true);
    s.allow_unencrypted_plain = global.get_bool("allow_unencrypted_plain_auth", false);
    s.stanza_size_limit = static_cast<std::size_t>(
        global.get_int("c2s_stanza_size_limit", 256 * 1024, 1024, 64LL * 1024 * 1024));
    s.timeout_seconds = static_cast<int>(global.get_int("c2s_timeout", 60, 1, 3600));
    s.allow_registration = global.get_bool("allow_registration", false);
    s.max_send_buffer = static_cast<std::size_t>(global.get_int(
        "c2s_max_send_buffer", 4LL * 1024 * 1024, 64 * 1024, 1024LL * 1024 * 1024));
    return s;
}

} // namespace cadenza::xmpp
