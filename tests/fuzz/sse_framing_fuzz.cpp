// Fuzzes SSE framing (sse::append_event, sse::make_frame, sse::make_comment) on arbitrary
// payloads. The bytes must always parse back, by the independent WHATWG parser of the tests
// (tests/support/sse_parser.cpp), to the events that were framed: data with its line endings
// turned into LF; id and type without CR, LF and NUL.
//
// Input: byte 0 chooses options (retry field, comments between events, the parser fed one byte
// at a time); the rest is a list of events, each "id \xff type \xff data", separated by \xfe.
#include "sse_parser.hpp"

#include <cadenza/sse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

[[noreturn]] void fail(const char* what, std::string_view framed) {
    std::fprintf(stderr, "sse_framing_fuzz: %s\n  framed: '%.*s'\n", what,
                 static_cast<int>(framed.size()), framed.data());
    std::abort();
}

std::string without_breaks(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c != '\r' && c != '\n' && c != '\0') {
            out.push_back(c);
        }
    }
    return out;
}

std::string lf_only(std::string_view data) {
    std::string out;
    for (std::size_t i = 0; i < data.size(); ++i) {
        if (data[i] == '\r') {
            out.push_back('\n');
            if (i + 1 < data.size() && data[i + 1] == '\n') {
                ++i;
            }
        } else {
            out.push_back(data[i]);
        }
    }
    return out;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == separator) {
            parts.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    return parts;
}

struct Expected {
    std::string type;
    std::string data;
    std::string last_event_id;
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const unsigned flags = bytes[0];
    std::string_view input(reinterpret_cast<const char*>(bytes) + 1, size - 1);

    std::string stream;        // every event through append_event, comments between them
    std::string frames;        // the same events through make_frame, concatenated
    std::string chunks;        // and as HTTP chunks
    std::vector<Expected> expected;
    std::string last_id;
    std::optional<std::uint32_t> retry;
    for (std::string_view spec : split(input, '\xfe')) {
        auto fields = split(spec, '\xff');
        cadenza::sse::Event event;
        event.data = fields.back();
        if (fields.size() >= 2) {
            event.id = fields[0];
        }
        if (fields.size() >= 3) {
            event.type = fields[1];
        }
        if (flags & 1) {
            event.retry_ms = static_cast<std::uint32_t>(spec.size() * 977U);
            retry = event.retry_ms;
        }
        cadenza::sse::append_event(stream, event);
        cadenza::sse::FramePtr frame = cadenza::sse::make_frame(event);
        frames.append(frame->sse());
        chunks.append(frame->chunk());
        if (flags & 2) {
            // A comment never dispatches nor changes an event.
            cadenza::sse::append_comment(stream, event.data);
            cadenza::sse::FramePtr comment = cadenza::sse::make_comment(event.data);
            frames.append(comment->sse());
            chunks.append(comment->chunk());
        }
        if (!event.id.empty()) {
            last_id = without_breaks(event.id);
        }
        std::string type = without_breaks(event.type);
        expected.push_back({type.empty() ? "message" : type, lf_only(event.data), last_id});
    }
    if (frames != stream) {
        fail("make_frame() differs from append_event()", frames);
    }

    cadenza::test::SseParser parser;
    if (flags & 4) {
        for (char c : stream) {
            parser.feed(std::string_view(&c, 1));
        }
    } else {
        parser.feed(stream);
    }
    const auto& events = parser.events();
    if (events.size() != expected.size()) {
        fail("the parser saw another number of events", stream);
    }
    for (std::size_t i = 0; i < events.size(); ++i) {
        if (events[i].data != expected[i].data) {
            fail("data changed", stream);
        }
        if (events[i].type != expected[i].type) {
            fail("the event type changed", stream);
        }
        if (events[i].last_event_id != expected[i].last_event_id) {
            fail("the event id changed", stream);
        }
    }
    if (retry && parser.retry() != std::optional<std::uint64_t>(*retry)) {
        fail("the retry field was lost", stream);
    }

    // The HTTP chunks: "<hex size>\r\n<bytes>\r\n" each, and the bytes are the events again.
    std::string_view rest = chunks;
    std::string unchunked;
    while (!rest.empty()) {
        std::size_t eol = rest.find("\r\n");
        if (eol == std::string_view::npos || eol == 0) {
            fail("a chunk without its size line", chunks);
        }
        std::size_t length = std::stoul(std::string(rest.substr(0, eol)), nullptr, 16);
        if (length == 0 || rest.size() < eol + 2 + length + 2 ||
            rest.substr(eol + 2 + length, 2) != "\r\n") {
            fail("a malformed chunk", chunks);
        }
        unchunked.append(rest.substr(eol + 2, length));
        rest.remove_prefix(eol + 2 + length + 2);
    }
    if (unchunked != stream) {
        fail("the chunks do not carry the events", chunks);
    }
    return 0;
}
