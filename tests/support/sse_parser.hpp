// An independent Server-Sent Events parser for tests: the WHATWG HTML "interpret an event
// stream" algorithm, written from the spec and sharing no code with the server's framing.
//
// Feed it bytes in any chunking; complete events queue up in events(). A value type, used on
// one thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza::test {

struct SseEvent {
    std::string type = "message";
    std::string data;
    std::string last_event_id;
};

class SseParser {
public:
    // Parses more of the stream. A line split across calls (even between CR and LF) is handled.
    void feed(std::string_view bytes);

    // Events dispatched so far, oldest first.
    const std::vector<SseEvent>& events() const { return events_; }
    // Removes and returns the events dispatched so far.
    std::vector<SseEvent> take_events();
    // The last valid `retry:` value seen.
    std::optional<std::uint64_t> retry() const { return retry_; }
    // Comment lines (": ...") seen: keep-alives.
    std::size_t comments() const { return comments_; }
    // The last event ID string (persists across events, as in the browser).
    const std::string& last_event_id() const { return last_event_id_; }

private:
    void process_line(std::string_view line);
    void process_field(std::string_view field, std::string_view value);
    void dispatch();

    std::string line_;         // the incomplete line
    bool after_cr_ = false;    // the previous byte was CR: an LF now ends nothing new
    bool bom_checked_ = false; // a leading U+FEFF is skipped once
    std::string data_;
    std::string event_type_;
    std::string last_event_id_buffer_;
    std::string last_event_id_;
    std::optional<std::uint64_t> retry_;
    std::size_t comments_ = 0;
    std::vector<SseEvent> events_;
};

} // namespace cadenza::test
