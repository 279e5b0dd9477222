#include "sse_parser.hpp"

#include <utility>

namespace cadenza::test {

void SseParser::feed(std::string_view bytes) {
    for (char c : bytes) {
        if (!bom_checked_) {
            // The BOM is three bytes; hold them in line_ until we know.
            line_.push_back(c);
            static constexpr std::string_view kBom = "\xEF\xBB\xBF";
            if (kBom.substr(0, line_.size()) == line_) {
                if (line_.size() == kBom.size()) {
                    line_.clear();
                    bom_checked_ = true;
                }
                continue;
            }
            bom_checked_ = true;
            std::string pending = std::exchange(line_, {});
            feed(pending);
            continue;
        }
        if (c == '\n' && after_cr_) {
            after_cr_ = false; // the LF of a CRLF pair
            continue;
        }
        after_cr_ = false;
        if (c == '\r' || c == '\n') {
            after_cr_ = c == '\r';
            std::string line = std::exchange(line_, {});
            process_line(line);
            continue;
        }
        line_.push_back(c);
    }
}

std::vector<SseEvent> SseParser::take_events() {
    return std::exchange(events_, {});
}

void SseParser::process_line(std::string_view line) {
    if (line.empty()) {
        dispatch();
        return;
    }
    if (line.front() == ':') {
        ++comments_;
        return;
    }
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
        process_field(line, {});
        return;
    }
    std::string_view value = line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
    }
    process_field(line.substr(0, colon), value);
}

void SseParser::process_field(std::string_view field, std::string_view value) {
    if (field == "event") {
        event_type_ = value;
    } else if (field == "data") {
        data_ += value;
        data_ += '\n';
    } else if (field == "id") {
        if (value.find('\0') == std::string_view::npos) {
            last_event_id_buffer_ = value;
        }
    } else if (field == "retry") {
        if (value.empty()) {
            return;
        }
        std::uint64_t n = 0;
        for (char c : value) {
            if (c < '0' || c > '9') {
                return;
            }
            n = n * 10 + static_cast<std::uint64_t>(c - '0');
        }
        retry_ = n;
    }
    // Any other field is ignored.
}

void SseParser::dispatch() {
    last_event_id_ = last_event_id_buffer_;
    if (data_.empty()) {
        event_type_.clear();
        return;
    }
    if (data_.back() == '\n') {
        data_.pop_back();
    }
    SseEvent event;
    if (!event_type_.empty()) {
        event.type = event_type_;
    }
    event.data = std::exchange(data_, {});
    event.last_event_id = last_event_id_;
    event_type_.clear();
    events_.push_back(std::move(event));
}

} // namespace cadenza::test
