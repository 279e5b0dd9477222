// Discussion history sent to an occupant on entering (XEP-0045 §7.2.14): what the occupant's
// <history/> asks for, which of the room's recent messages that selects, and how each goes out
// (with a XEP-0203 delay stamp).
#pragma once

#include <cadenza/services/muc.hpp>
#include <cadenza/stanza.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::muc {

// The limits of a <history/> element; every one that is set applies.
struct HistoryRequest {
    std::optional<std::int64_t> max_stanzas;
    std::optional<std::int64_t> max_chars; // characters of the serialised stanzas
    std::optional<std::int64_t> seconds;   // sent within the last N seconds
    std::optional<std::int64_t> since;     // sent after this time (seconds since the epoch)
};

// Reads <history/> from the join presence's <x xmlns='http://jabber.org/protocol/muc'/>
// (null element: no limits). Malformed attributes are ignored, as if absent.
HistoryRequest parse_history_request(Element history);

// The messages of `history` (oldest first) to send, oldest first. `now` is the current time.
std::vector<const HistoryMessage*> select_history(const std::deque<HistoryMessage>& history,
                                                  const HistoryRequest& request, std::int64_t now);

// The stored stanza of `message`, addressed to `to`, with <delay from=room_jid stamp/>.
// Empty when the stored text does not parse (logged by the caller).
Stanza history_stanza(const HistoryMessage& message, std::string_view to,
                      std::string_view room_jid);

// XEP-0082 date-times: "2024-05-01T12:00:00Z" (fractions and offsets accepted when parsing).
std::optional<std::int64_t> parse_datetime(std::string_view text);
std::string format_datetime(std::int64_t seconds);

} // namespace cadenza::muc
