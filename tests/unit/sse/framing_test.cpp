#include "sse_parser.hpp"

#include <cadenza/sse.hpp>

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace cadenza::sse {
namespace {

std::string encode(const Event& e) {
    std::string out;
    append_event(out, e);
    return out;
}

TEST(Framing, DataOnly) {
    EXPECT_EQ(encode({.data = "hello"}), "data: hello\n\n");
}

TEST(Framing, EveryFieldInOrder) {
    EXPECT_EQ(encode({.id = "42", .type = "update", .data = "x", .retry_ms = 3000}),
              "retry: 3000\nid: 42\nevent: update\ndata: x\n\n");
}

TEST(Framing, EachLineEndingStartsADataLine) {
    EXPECT_EQ(encode({.data = "a\r\nb\rc\nd"}), "data: a\ndata: b\ndata: c\ndata: d\n\n");
}

TEST(Framing, TrailingLineEndingGivesAFinalEmptyLine) {
    EXPECT_EQ(encode({.data = "a\n"}), "data: a\ndata: \n\n");
    EXPECT_EQ(encode({.data = "a\r\n"}), "data: a\ndata: \n\n");
    EXPECT_EQ(encode({.data = "a\r"}), "data: a\ndata: \n\n");
}

TEST(Framing, EmptyLinesInsideDataAreKept) {
    EXPECT_EQ(encode({.data = "a\n\nb"}), "data: a\ndata: \ndata: b\n\n");
    EXPECT_EQ(encode({.data = "\r\n\r"}), "data: \ndata: \ndata: \n\n");
}

TEST(Framing, EmptyDataIsOneEmptyDataLine) {
    EXPECT_EQ(encode({}), "data: \n\n");
}

TEST(Framing, LeadingSpaceOfDataSurvivesTheOptionalSpace) {
    EXPECT_EQ(encode({.data = " x"}), "data:  x\n\n");
}

TEST(Framing, IdAndTypeLoseCrLfAndNul) {
    using namespace std::string_view_literals;
    EXPECT_EQ(encode({.id = "a\r\nb\0c"sv, .type = "t\ny\rpe", .data = "d"}),
              "id: abc\nevent: type\ndata: d\n\n");
}

TEST(Framing, EmptyIdAndTypeAreLeftOut) {
    EXPECT_EQ(encode({.id = "", .type = "", .data = "d"}), "data: d\n\n");
}

TEST(Framing, RetryZeroIsStillSent) {
    EXPECT_EQ(encode({.data = "d", .retry_ms = 0}), "retry: 0\ndata: d\n\n");
}

TEST(Framing, CommentsHaveNoBlankLine) {
    std::string out;
    append_comment(out, "keep-alive");
    EXPECT_EQ(out, ": keep-alive\n");
    out.clear();
    append_comment(out, "two\nlines");
    EXPECT_EQ(out, ": two\n: lines\n");
    out.clear();
    append_comment(out, "");
    EXPECT_EQ(out, ": \n");
}

TEST(Framing, AppendKeepsWhatWasThere) {
    std::string out = "retry: 1\n\n";
    append_event(out, {.data = "x"});
    EXPECT_EQ(out, "retry: 1\n\ndata: x\n\n");
}

TEST(Frame, ChunkWrapsTheSseBytes) {
    FramePtr f = make_frame({.id = "1", .data = "hello"});
    std::string sse = "id: 1\ndata: hello\n\n";
    EXPECT_EQ(f->sse(), sse);
    char hex[16];
    std::snprintf(hex, sizeof hex, "%zx", sse.size());
    EXPECT_EQ(f->chunk(), std::string(hex) + "\r\n" + sse + "\r\n");
}

TEST(Frame, LargeFrameHasAHexLength) {
    std::string data(300, 'x');
    FramePtr f = make_frame({.data = data});
    ASSERT_EQ(f->sse().size(), 300u + 8u);
    EXPECT_EQ(f->chunk().substr(0, 5), "134\r\n"); // 308 = 0x134
    EXPECT_EQ(f->chunk().substr(f->chunk().size() - 2), "\r\n");
}

TEST(Frame, EmptyFrameCarriesNoBytes) {
    // A zero-length chunk would end the HTTP response.
    FramePtr f = Frame::from_sse("");
    EXPECT_TRUE(f->sse().empty());
    EXPECT_TRUE(f->chunk().empty());
}

TEST(Frame, CommentFrame) {
    FramePtr f = make_comment("ping");
    EXPECT_EQ(f->sse(), ": ping\n");
    EXPECT_EQ(f->chunk(), "7\r\n: ping\n\r\n");
}

TEST(Frame, SharedByReferenceCount) {
    FramePtr a = make_frame({.data = "x"});
    const Frame* raw = a.get();
    FramePtr b = a;
    FramePtr c = std::move(b);
    EXPECT_FALSE(b);
    EXPECT_EQ(c.get(), raw);
    raw->retain(); // what a stream does while the kernel has not taken the bytes
    a = FramePtr();
    c = FramePtr();
    EXPECT_EQ(raw->sse(), "data: x\n\n"); // still alive: one reference left
    raw->release();
}

TEST(CloseReason, Names) {
    EXPECT_STREQ(close_reason_name(CloseReason::kClientGone), "client-gone");
    EXPECT_STREQ(close_reason_name(CloseReason::kOverflow), "overflow");
    EXPECT_STREQ(close_reason_name(CloseReason::kClosedByServer), "closed-by-server");
    EXPECT_STREQ(close_reason_name(CloseReason::kShutdown), "shutdown");
}

// Framing and the independent parser agree, whatever the chunking of the bytes.
struct Sample {
    Event event;
    std::string expected_data;
};

TEST(RoundTrip, ThroughTheSpecParserWithRandomChunking) {
    using namespace std::string_view_literals;
    const std::vector<Sample> samples = {
        {{.data = "plain"}, "plain"},
        {{.id = "7", .data = "with id"}, "with id"},
        {{.type = "custom", .data = "typed"}, "typed"},
        {{.data = "a\r\nb\rc\nd"}, "a\nb\nc\nd"},
        {{.data = "ends with newline\n"}, "ends with newline\n"},
        {{.data = "\r\n"}, "\n"},
        {{.data = ""}, ""},
        {{.data = " leading space"}, " leading space"},
        {{.data = "data: looks like a field\n: and a comment"},
         "data: looks like a field\n: and a comment"},
        {{.id = "x\ny", .type = "a\rb", .data = "sanitised", .retry_ms = 1500}, "sanitised"},
        {{.data = "unicode \xc3\xa9\xe2\x82\xac"}, "unicode \xc3\xa9\xe2\x82\xac"},
    };
    std::string stream;
    for (const auto& s : samples) {
        append_event(stream, s.event);
        append_comment(stream, "between events");
    }

    std::mt19937 rng(12345);
    for (int round = 0; round < 200; ++round) {
        test::SseParser parser;
        std::size_t pos = 0;
        while (pos < stream.size()) {
            std::size_t n = std::uniform_int_distribution<std::size_t>(1, 9)(rng);
            parser.feed(std::string_view(stream).substr(pos, n));
            pos += n;
        }
        const auto& events = parser.events();
        ASSERT_EQ(events.size(), samples.size());
        std::string last_id;
        for (std::size_t i = 0; i < samples.size(); ++i) {
            const Event& e = samples[i].event;
            EXPECT_EQ(events[i].data, samples[i].expected_data) << "event " << i;
            std::string type;
            for (char c : e.type) {
                if (c != '\r' && c != '\n' && c != '\0') {
                    type.push_back(c);
                }
            }
            EXPECT_EQ(events[i].type, type.empty() ? "message" : type) << "event " << i;
            if (!e.id.empty()) {
                last_id.clear();
                for (char c : e.id) {
                    if (c != '\r' && c != '\n' && c != '\0') {
                        last_id.push_back(c);
                    }
                }
            }
            // The last event id persists across events without an id.
            EXPECT_EQ(events[i].last_event_id, last_id) << "event " << i;
        }
        EXPECT_EQ(parser.retry(), 1500u);
        EXPECT_EQ(parser.comments(), samples.size());
    }
}

TEST(RoundTrip, FrameChunkBodyParses) {
    FramePtr f = make_frame({.id = "9", .type = "t", .data = "one\ntwo"});
    test::SseParser parser;
    parser.feed(f->sse());
    ASSERT_EQ(parser.events().size(), 1u);
    EXPECT_EQ(parser.events()[0].data, "one\ntwo");
    EXPECT_EQ(parser.events()[0].type, "t");
    EXPECT_EQ(parser.events()[0].last_event_id, "9");
}

} // namespace
} // namespace cadenza::sse
