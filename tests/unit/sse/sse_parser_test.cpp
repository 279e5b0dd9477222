// The test parser is the yardstick for the server's framing, so it is checked against the
// WHATWG "interpret an event stream" rules themselves.
#include "sse_parser.hpp"

#include <gtest/gtest.h>

namespace cadenza::test {
namespace {

std::vector<SseEvent> parse(std::string_view bytes) {
    SseParser p;
    p.feed(bytes);
    return p.events();
}

TEST(SseParser, LineEndingsCrLfLfCr) {
    auto events = parse("data: a\r\ndata: b\rdata: c\n\r\n");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, "a\nb\nc");
}

TEST(SseParser, CrLfSplitAcrossFeedsIsOneLineEnding) {
    SseParser p;
    p.feed("data: a\r");
    p.feed("\n");
    p.feed("\r");
    p.feed("\n");
    ASSERT_EQ(p.events().size(), 1u);
    EXPECT_EQ(p.events()[0].data, "a");
}

TEST(SseParser, OnlyOneLeadingSpaceIsStripped) {
    auto events = parse("data:  two\n\ndata:none\n\n");
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].data, " two");
    EXPECT_EQ(events[1].data, "none");
}

TEST(SseParser, FieldWithoutColonHasEmptyValue) {
    auto events = parse("data\ndata\n\n");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, "\n"); // two empty lines joined, the last LF removed
}

TEST(SseParser, CommentsCountAndDispatchNothing) {
    SseParser p;
    p.feed(": keep-alive\n\n:\n\n");
    EXPECT_TRUE(p.events().empty());
    EXPECT_EQ(p.comments(), 2u);
}

TEST(SseParser, NoDataMeansNoEvent) {
    auto events = parse("event: x\nid: 1\n\ndata: y\n\n");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].type, "message"); // the type was reset by the empty dispatch
    EXPECT_EQ(events[0].last_event_id, "1");
}

TEST(SseParser, EmptyDataLineIsAnEventWithEmptyData) {
    auto events = parse("data\n\n");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, "");
}

TEST(SseParser, IdWithNulIsIgnored) {
    using namespace std::string_view_literals;
    auto events = parse("id: good\ndata: a\n\nid: b\0d\ndata: b\n\n"sv);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[1].last_event_id, "good");
}

TEST(SseParser, EmptyIdResetsTheLastEventId) {
    auto events = parse("id: 1\ndata: a\n\nid\ndata: b\n\n");
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].last_event_id, "1");
    EXPECT_EQ(events[1].last_event_id, "");
}

TEST(SseParser, RetryTakesDigitsOnly) {
    SseParser p;
    p.feed("retry: 100\n\n");
    EXPECT_EQ(p.retry(), 100u);
    p.feed("retry: 20x\n\nretry: -1\n\nretry:\n\n");
    EXPECT_EQ(p.retry(), 100u);
    p.feed("retry:7\n\n");
    EXPECT_EQ(p.retry(), 7u);
}

TEST(SseParser, UnknownFieldsAreIgnored) {
    auto events = parse("foo: bar\ndata: x\n\n");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, "x");
}

TEST(SseParser, IncompleteEventIsNotDispatched) {
    SseParser p;
    p.feed("data: a\n");
    EXPECT_TRUE(p.events().empty());
    p.feed("\n");
    EXPECT_EQ(p.take_events().size(), 1u);
    EXPECT_TRUE(p.events().empty());
}

TEST(SseParser, LeadingBomIsSkipped) {
    auto events = parse("\xEF\xBB\xBF"
                        "data: a\n\n");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].data, "a");
}

} // namespace
} // namespace cadenza::test
