#include "history.hpp"

#include "room.hpp"

#include <charconv>
#include <ctime>

namespace cadenza::muc {
namespace {

std::optional<std::int64_t> parse_count(std::string_view text) {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n < 0) {
        return std::nullopt;
    }
    return n;
}

bool digits(std::string_view text, std::size_t at, std::size_t count, int& out) {
    if (at + count > text.size()) {
        return false;
    }
    out = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        out = out * 10 + (text[i] - '0');
    }
    return true;
}

} // namespace

HistoryRequest parse_history_request(Element history) {
    HistoryRequest request;
    if (!history) {
        return request;
    }
    request.max_stanzas = parse_count(history.attr("maxstanzas"));
    request.max_chars = parse_count(history.attr("maxchars"));
    request.seconds = parse_count(history.attr("seconds"));
    request.since = parse_datetime(history.attr("since"));
    return request;
}

std::vector<const HistoryMessage*> select_history(const std::deque<HistoryMessage>& history,
                                                  const HistoryRequest& request, std::int64_t now) {
    std::vector<const HistoryMessage*> out;
    std::int64_t chars = 0;
    // Newest first, so that the limits keep the most recent messages.
    for (auto it = history.rbegin(); it != history.rend(); ++it) {
        if (request.max_stanzas && static_cast<std::int64_t>(out.size()) >= *request.max_stanzas) {
            break;
        }
        if (request.seconds && it->timestamp < now - *request.seconds) {
            break;
        }
        if (request.since && it->timestamp < *request.since) {
            break;
        }
        chars += static_cast<std::int64_t>(it->stanza.size());
        if (request.max_chars && chars > *request.max_chars) {
            break;
        }
        out.push_back(&*it);
    }
    return {out.rbegin(), out.rend()};
}

Stanza history_stanza(const HistoryMessage& message, std::string_view to,
                      std::string_view room_jid) {
    Stanza stanza = Stanza::parse(message.stanza);
    if (!stanza) {
        return stanza;
    }
    stanza.set_attr("to", to);
    Element delay = stanza.add_child("delay", kDelayNs);
    delay.set_attr("from", room_jid);
    delay.set_attr("stamp", format_datetime(message.timestamp));
    return stanza;
}

std::optional<std::int64_t> parse_datetime(std::string_view text) {
    // CCYY-MM-DDThh:mm:ss[.sss](Z|(+|-)hh:mm)
    std::tm tm{};
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!digits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' ||
        !digits(text, 5, 2, month) || text[7] != '-' || !digits(text, 8, 2, day) ||
        text[10] != 'T' || !digits(text, 11, 2, hour) || text[13] != ':' ||
        !digits(text, 14, 2, minute) || text[16] != ':' || !digits(text, 17, 2, second)) {
        return std::nullopt;
    }
    std::size_t at = 19;
    if (at < text.size() && text[at] == '.') {
        ++at;
        while (at < text.size() && text[at] >= '0' && text[at] <= '9') {
            ++at;
        }
    }
    std::int64_t offset = 0;
    if (at < text.size() && text[at] == 'Z' && at + 1 == text.size()) {
        offset = 0;
    } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') &&
               text[at + 3] == ':') {
        int oh = 0, om = 0;
        if (!digits(text, at + 1, 2, oh) || !digits(text, at + 4, 2, om)) {
            return std::nullopt;
        }
        offset = (oh * 3600 + om * 60) * (text[at] == '+' ? 1 : -1);
    } else {
        return std::nullopt;
    }
    if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
        return std::nullopt;
    }
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = minute;
    tm.tm_sec = second;
    return static_cast<std::int64_t>(timegm(&tm)) - offset;
}

std::string format_datetime(std::int64_t seconds) {
    std::time_t t = static_cast<std::time_t>(seconds);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buffer[32];
    std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buffer;
}

} // namespace cadenza::muc
