// mod_muc: multi-user chat rooms (XEP-0045) on a component host, as Prosody's mod_muc:
//
//   Component "rooms.example.org" "muc"
//
// Reads its options here, loads the persistent rooms, hooks the host's stanza events and
// provides muc::Service (see <cadenza/services/muc.hpp> and modules/muc/README.md).
#include "muc_host.hpp"

#include <cadenza/cadenza.hpp>

namespace cadenza::muc {

void MucHost::install_hooks() {
    std::shared_ptr<MucHost> self = shared_from_this();
    auto on = [&](std::string_view event, HookResult (MucHost::*handler)(StanzaEvent&)) {
        module_.hook<StanzaEvent>(
            event, [self, handler](StanzaEvent& e) { return ((*self).*handler)(e); });
    };
    on("presence/full", &MucHost::on_presence);
    on("presence/bare", &MucHost::on_presence);
    on("message/bare", &MucHost::on_message);
    on("message/full", &MucHost::on_message);
    for (std::string_view type : {"get", "set"}) {
        on(iq_event_name(type, "bare", kMucOwnerNs, "query"), &MucHost::on_owner);
        on(iq_event_name(type, "bare", kMucAdminNs, "query"), &MucHost::on_admin);
    }
    on(iq_event_name("get", "bare", kDiscoInfoNs, "query"), &MucHost::on_room_disco_info);
    on(iq_event_name("get", "bare", kDiscoItemsNs, "query"), &MucHost::on_room_disco_items);
    // Before the core's answer (hook_priority::kLast), which knows only static items.
    on(iq_event_name("get", "host", kDiscoItemsNs, "query"), &MucHost::on_service_items);

    module_.add_identity("conference", "text", options_.service_name);
    module_.add_feature(kMucNs);
}

} // namespace cadenza::muc

namespace {

using namespace cadenza;
using namespace cadenza::muc;

RoomCreation read_room_creation(const Options& options) {
    const ConfigValue* value = options.find("restrict_room_creation");
    if (value == nullptr) {
        return RoomCreation::kAnyone;
    }
    if (value->is_boolean()) {
        return value->as_boolean() ? RoomCreation::kAdmins : RoomCreation::kAnyone;
    }
    if (value->is_string() && value->as_string() == "local") {
        return RoomCreation::kLocalUsers;
    }
    if (value->is_string() && value->as_string() == "admin") {
        return RoomCreation::kAdmins;
    }
    throw ConfigError("restrict_room_creation at " + value->where.str() +
                      " must be true, false, \"admin\" or \"local\"");
}

MucOptions read_options(Module& module) {
    const Options& o = module.options();
    MucOptions options;
    options.room_locking = o.get_bool("muc_room_locking", true);
    options.lock_timeout = std::chrono::seconds(o.get_int("muc_room_lock_timeout", 300, 0, 86400));
    options.creation = read_room_creation(o);
    for (const std::string& admin : o.get_list("admins")) {
        if (auto jid = Jid::parse(admin)) {
            options.admins.insert(jid->bare());
        } else {
            module.log().warn("admins: '", admin, "' is not a valid JID; ignored");
        }
    }
    options.max_history_messages = o.get_int("max_history_messages", 20, 0, 10000);
    options.archive_messages = o.get_int("muc_archive_messages", 1000, 0, 10000000);
    RoomConfig& d = options.defaults;
    d.is_public = o.get_bool("muc_room_default_public", true);
    d.persistent = o.get_bool("muc_room_default_persistent", false);
    d.members_only = o.get_bool("muc_room_default_members_only", false);
    d.moderated = o.get_bool("muc_room_default_moderated", false);
    d.non_anonymous = o.get_bool("muc_room_default_public_jids", false);
    d.change_subject = o.get_bool("muc_room_default_change_subject", false);
    d.history_length = std::min(o.get_int("muc_room_default_history_length", 20, 0, 10000),
                                options.max_history_messages);
    options.service_name = o.get_string("name", "Chatrooms");
    return options;
}

void load(Module& module) {
    auto host = std::make_shared<MucHost>(module, read_options(module));
    host->load_rooms();
    host->install_hooks();
    module.provide(host);
}

void unload(Module& module) {
    // Messages waiting for their commit go out now, while the hooks and the host still exist.
    module.database().flush();
}

const char* const kOptions[] = {"restrict_room_creation",
                                "muc_room_locking",
                                "muc_room_lock_timeout",
                                "admins",
                                "max_history_messages",
                                "muc_archive_messages",
                                "muc_room_default_public",
                                "muc_room_default_persistent",
                                "muc_room_default_members_only",
                                "muc_room_default_moderated",
                                "muc_room_default_public_jids",
                                "muc_room_default_change_subject",
                                "muc_room_default_history_length",
                                "name",
                                nullptr};

} // namespace

CADENZA_MODULE("muc", load, unload, nullptr, kOptions)
