// The receiving side of one benchmark stream: parses an HTTP/1.1 response head, then its body
// (chunked or delimited by the connection's end), then the Server-Sent Events in it, and hands
// each complete event's data to a callback. Written for speed and small size per stream (the
// load generator holds tens of thousands), not for every corner of the SSE spec: lines end in
// LF or CRLF (the server never sends a lone CR), fields other than data are ignored.
// A value type, used on one thread.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace cadenza::bench {

class SseReader {
public:
    enum class State { kHead, kBody, kDone, kError };

    // Parses more of the response; `on_event` gets each event's data (lines joined by LF).
    // Returns the state after these bytes.
    State feed(std::string_view bytes, const std::function<void(std::string_view)>& on_event);

    State state() const { return state_; }
    int status() const { return status_; }
    bool chunked() const { return chunked_; }
    // Why the response could not be parsed (kError).
    const std::string& error() const { return error_; }

private:
    void parse_head();
    void feed_body(std::string_view bytes, const std::function<void(std::string_view)>& on_event);
    void feed_sse(std::string_view bytes, const std::function<void(std::string_view)>& on_event);
    void fail(std::string why);

    enum class Chunk { kSize, kData, kDataEnd, kTrailer };

    State state_ = State::kHead;
    Chunk chunk_ = Chunk::kSize;
    bool chunked_ = false;
    int status_ = 0;
    std::size_t chunk_left_ = 0;
    std::string head_;  // the head while it arrives, then the partial chunk-size line
    std::string line_;  // the SSE line not yet ended
    std::string data_;  // the data of the event being built
    bool has_data_ = false;
    std::string error_;
};

} // namespace cadenza::bench
