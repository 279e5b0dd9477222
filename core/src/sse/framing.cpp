#include <cadenza/sse.hpp>

#include <cstdio>

namespace cadenza::sse {
namespace {

// CR, LF and NUL would end a field early (or be ignored by the client), so they never reach a
// single-line field.
void append_sanitized(std::string& out, std::string_view value) {
    for (char c : value) {
        if (c != '\r' && c != '\n' && c != '\0') {
            out.push_back(c);
        }
    }
}

// Calls `line` for each line of `text`, split on CRLF, LF or a lone CR, as the client splits.
// A trailing line ending yields a final empty line, so the client sees the same text back.
template <typename F> void for_each_line(std::string_view text, F&& line) {
    std::size_t start = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c != '\r' && c != '\n') {
            continue;
        }
        line(text.substr(start, i - start));
        if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            ++i;
        }
        start = i + 1;
    }
    line(text.substr(start));
}

} // namespace

void append_event(std::string& out, const Event& event) {
    if (event.retry_ms) {
        out += "retry: ";
        out += std::to_string(*event.retry_ms);
        out += '\n';
    }
    if (!event.id.empty()) {
        out += "id: ";
        append_sanitized(out, event.id);
        out += '\n';
    }
    if (!event.type.empty()) {
        out += "event: ";
        append_sanitized(out, event.type);
        out += '\n';
    }
    for_each_line(event.data, [&out](std::string_view line) {
        out += "data: ";
        out += line;
        out += '\n';
    });
    out += '\n';
}

void append_comment(std::string& out, std::string_view text) {
    for_each_line(text, [&out](std::string_view line) {
        out += ": ";
        out += line;
        out += '\n';
    });
}

FramePtr Frame::from_sse(std::string_view sse_bytes) {
    if (sse_bytes.empty()) {
        // A zero-length chunk would end a chunked response: an empty frame carries no bytes.
        return FramePtr(new Frame(std::string(), 0));
    }
    char head[24];
    int n = std::snprintf(head, sizeof head, "%zx\r\n", sse_bytes.size());
    std::string bytes;
    bytes.reserve(static_cast<std::size_t>(n) + sse_bytes.size() + 2);
    bytes.append(head, static_cast<std::size_t>(n));
    bytes.append(sse_bytes);
    bytes.append("\r\n");
    return FramePtr(new Frame(std::move(bytes), static_cast<std::size_t>(n)));
}

FramePtr make_frame(const Event& event) {
    std::string sse;
    sse.reserve(event.data.size() + event.id.size() + event.type.size() + 32);
    append_event(sse, event);
    return Frame::from_sse(sse);
}

FramePtr make_comment(std::string_view text) {
    std::string sse;
    append_comment(sse, text);
    return Frame::from_sse(sse);
}

const char* close_reason_name(CloseReason reason) {
    switch (reason) {
    case CloseReason::kClientGone:
        return "client-gone";
    case CloseReason::kOverflow:
        return "overflow";
    case CloseReason::kClosedByServer:
        return "closed-by-server";
    case CloseReason::kShutdown:
        return "shutdown";
    }
    return "?";
}

} // namespace cadenza::sse
