#include "room_config.hpp"

#include "room.hpp"

#include <charconv>
#include <optional>
#include <string_view>

namespace cadenza::muc {
namespace {

constexpr std::string_view kPrefix = "muc#roomconfig_";

Element add_field(Element form, std::string_view var, std::string_view type,
                  std::string_view label) {
    Element field = form.add_child("field", kDataNs);
    field.set_attr("var", var);
    field.set_attr("type", type);
    if (!label.empty()) {
        field.set_attr("label", label);
    }
    return field;
}

void add_value(Element field, std::string_view value) {
    field.add_child("value", kDataNs).set_text(value);
}

void add_bool(Element form, std::string_view name, std::string_view label, bool value) {
    add_value(add_field(form, std::string(kPrefix) + std::string(name), "boolean", label),
              value ? "1" : "0");
}

void add_text(Element form, std::string_view name, std::string_view type, std::string_view label,
              std::string_view value) {
    add_value(add_field(form, std::string(kPrefix) + std::string(name), type, label), value);
}

// XEP-0004 §3.3 booleans: "1"/"true" and "0"/"false".
std::optional<bool> parse_bool(std::string_view text) {
    if (text == "1" || text == "true") {
        return true;
    }
    if (text == "0" || text == "false") {
        return false;
    }
    return std::nullopt;
}

std::string first_value(Element field) {
    return field.child_text("value", kDataNs);
}

} // namespace

void add_config_form(Element parent, const RoomConfig& config, std::int64_t max_history) {
    Element form = parent.add_child("x", kDataNs);
    form.set_attr("type", "form");
    form.add_child("title", kDataNs).set_text("Room configuration");
    add_value(add_field(form, "FORM_TYPE", "hidden", {}), kRoomConfigFormType);
    add_text(form, "roomname", "text-single", "Title", config.name);
    add_text(form, "roomdesc", "text-single", "Description", config.description);
    add_bool(form, "persistentroom", "Persistent (kept when the last occupant leaves)",
             config.persistent);
    add_bool(form, "publicroom", "Public (listed in the room directory)", config.is_public);
    add_bool(form, "membersonly", "Members only", config.members_only);
    add_bool(form, "moderatedroom", "Moderated (only occupants with voice may speak)",
             config.moderated);
    add_bool(form, "passwordprotectedroom", "Password protected", config.password_protected);
    add_text(form, "roomsecret", "text-private", "Password", config.password);
    Element whois = add_field(form, "muc#roomconfig_whois", "list-single",
                              "Who may see occupants' real addresses");
    add_value(whois, config.non_anonymous ? "anyone" : "moderators");
    for (auto [value, label] :
         {std::pair<std::string_view, std::string_view>{"moderators", "Moderators only"},
          {"anyone", "Anyone"}}) {
        Element option = whois.add_child("option", kDataNs);
        option.set_attr("label", label);
        add_value(option, value);
    }
    add_bool(form, "changesubject", "Occupants may change the subject", config.change_subject);
    add_text(form, "historylength", "text-single",
             "Messages sent to new occupants (at most " + std::to_string(max_history) + ")",
             std::to_string(config.history_length));
}

std::string apply_config_form(Element form, RoomConfig& config, std::int64_t max_history) {
    RoomConfig next = config;
    std::optional<bool> protected_field;
    bool secret_given = false;
    for (Element field : form.children("field", kDataNs)) {
        std::string_view var = field.attr("var");
        std::string value = first_value(field);
        if (var == "FORM_TYPE") {
            if (!value.empty() && value != kRoomConfigFormType) {
                return "unexpected FORM_TYPE " + value;
            }
            continue;
        }
        if (!var.starts_with(kPrefix)) {
            continue;
        }
        std::string_view name = var.substr(kPrefix.size());
        auto boolean = [&](bool& target) -> std::string {
            auto parsed = parse_bool(value);
            if (!parsed) {
                return std::string(var) + " must be a boolean, not '" + value + "'";
            }
            target = *parsed;
            return {};
        };
        std::string error;
        if (name == "roomname") {
            next.name = value;
        } else if (name == "roomdesc") {
            next.description = value;
        } else if (name == "persistentroom") {
            error = boolean(next.persistent);
        } else if (name == "publicroom") {
            error = boolean(next.is_public);
        } else if (name == "membersonly") {
            error = boolean(next.members_only);
        } else if (name == "moderatedroom") {
            error = boolean(next.moderated);
        } else if (name == "passwordprotectedroom") {
            bool on = false;
            error = boolean(on);
            protected_field = on;
        } else if (name == "roomsecret") {
            next.password = value;
            secret_given = true;
        } else if (name == "whois") {
            if (value != "anyone" && value != "moderators") {
                error = "muc#roomconfig_whois must be 'anyone' or 'moderators'";
            }
            next.non_anonymous = value == "anyone";
        } else if (name == "changesubject") {
            error = boolean(next.change_subject);
        } else if (name == "historylength") {
            std::int64_t n = 0;
            auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
            if (ec != std::errc() || end != value.data() + value.size() || n < 0) {
                error = "muc#roomconfig_historylength must be a number of messages";
            }
            next.history_length = std::min(n, max_history);
        }
        if (!error.empty()) {
            return error;
        }
    }
    // As Prosody, a secret alone turns protection on; the explicit field wins when present.
    if (protected_field) {
        next.password_protected = *protected_field;
    } else if (secret_given) {
        next.password_protected = !next.password.empty();
    }
    if (!next.password_protected) {
        next.password.clear();
    } else if (next.password.empty()) {
        return "a password-protected room needs muc#roomconfig_roomsecret";
    }
    config = std::move(next);
    return {};
}

} // namespace cadenza::muc
