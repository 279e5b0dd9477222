// The room configuration as a XEP-0004 data form (XEP-0045 §10.2, FORM_TYPE
// http://jabber.org/protocol/muc#roomconfig): built for an owner to fill in, and parsed back.
#pragma once

#include <cadenza/services/muc.hpp>
#include <cadenza/stanza.hpp>

#include <cstdint>
#include <string>

namespace cadenza::muc {

inline constexpr std::string_view kRoomConfigFormType = "http://jabber.org/protocol/muc#roomconfig";

// Appends <x xmlns='jabber:x:data' type='form'/> describing `config` to `parent`.
// `max_history` bounds the historylength field (max_history_messages).
void add_config_form(Element parent, const RoomConfig& config, std::int64_t max_history);

// Applies the fields of a submitted form (<x type='submit'/>) to `config`. Fields not in the
// form keep their value; unknown fields are ignored (XEP-0004 §3.2). Returns "" on success,
// else why the form is refused (the caller answers bad-request and changes nothing).
std::string apply_config_form(Element form, RoomConfig& config, std::int64_t max_history);

} // namespace cadenza::muc
