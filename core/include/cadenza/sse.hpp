// Server-Sent Events: framing (WHATWG HTML, "server-sent events") and the stream handle.
//
// An event is framed once into a Frame; the same Frame is then handed to every stream that
// sends it. Streams keep a reference to the frame's bytes until the kernel took them, so a
// broadcast to N streams costs N reference-count increments and no copies.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace cadenza::sse {

// One event. Fields that are empty are left out of the frame. `data` may hold any line endings
// (LF, CR or CRLF); each line becomes one `data:` field, so the client sees the lines joined by
// LF. CR, LF and NUL in `id` and `type` would break the framing and are removed.
// Designated initializers may name only the fields they set: make_frame({.id = i, .data = d}).
struct Event {
    std::string_view id{};
    std::string_view type{};
    std::string_view data{};
    std::optional<std::uint32_t> retry_ms{};
};

// Appends the SSE encoding of `event` (ending with the blank line) to `out`.
void append_event(std::string& out, const Event& event);
// Appends a comment (": text\n" per line of text, then a blank line is NOT added: comments do
// not dispatch events). Used for keep-alives.
void append_comment(std::string& out, std::string_view text);

class FramePtr;

// Immutable framed bytes, shared by reference count between every stream sending them.
// Thread-safe reference counting; the bytes never change after construction.
class Frame {
public:
    // The event as SSE bytes.
    std::string_view sse() const {
        return std::string_view(bytes_).substr(prefix_, bytes_.size() - prefix_ - 2);
    }
    // The same bytes as one HTTP/1.1 chunk ("<hex length>\r\n" ... "\r\n").
    std::string_view chunk() const { return bytes_; }

    void retain() const { refs_.fetch_add(1, std::memory_order_relaxed); }
    void release() const {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
            delete this;
        }
    }

    // Takes ready SSE bytes (one or more complete events or comments).
    static FramePtr from_sse(std::string_view sse_bytes);

private:
    Frame(std::string bytes, std::size_t prefix) : bytes_(std::move(bytes)), prefix_(prefix) {}
    ~Frame() = default;

    mutable std::atomic<std::uint32_t> refs_{0};
    std::string bytes_;
    std::size_t prefix_;
};

// Owning handle to a Frame (an intrusive reference-counted pointer).
class FramePtr {
public:
    FramePtr() = default;
    explicit FramePtr(const Frame* f) : f_(f) {
        if (f_) {
            f_->retain();
        }
    }
    FramePtr(const FramePtr& o) : FramePtr(o.f_) {}
    FramePtr(FramePtr&& o) noexcept : f_(std::exchange(o.f_, nullptr)) {}
    FramePtr& operator=(FramePtr o) noexcept {
        std::swap(f_, o.f_);
        return *this;
    }
    ~FramePtr() {
        if (f_) {
            f_->release();
        }
    }
    const Frame* get() const { return f_; }
    const Frame& operator*() const { return *f_; }
    const Frame* operator->() const { return f_; }
    explicit operator bool() const { return f_ != nullptr; }

private:
    const Frame* f_ = nullptr;
};

FramePtr make_frame(const Event& event);
FramePtr make_comment(std::string_view text);

// Why a stream ended, as told to its close callbacks.
enum class CloseReason {
    kClientGone,     // the client closed the connection or it failed
    kOverflow,       // unsent bytes passed the stream's cap (a reader too slow)
    kClosedByServer, // the module called close()
    kShutdown,       // the server is stopping or the module unloading
};
const char* close_reason_name(CloseReason reason);

struct StreamOptions {
    // Unsent bytes past which the stream is closed (kOverflow).
    std::size_t max_buffer = std::size_t{1} << 20;
    // A keep-alive comment is sent after this many idle seconds; 0 disables.
    int keepalive_seconds = 15;
    // When set, a `retry:` field opens the stream.
    std::optional<std::uint32_t> retry_ms;
};

// One open text/event-stream response. Owned by the core; modules hold it through
// EventStreamPtr. After the stream closed, send() does nothing and returns false; the handle
// stays safe to use for as long as anyone holds it. Loop thread only.
class EventStream {
public:
    virtual ~EventStream() = default;

    // Queues a frame. Returns false when the stream is closed, including when this frame pushed
    // its unsent bytes past the cap (the stream is then closed with kOverflow). Never blocks.
    virtual bool send(const FramePtr& frame) = 0;
    // Ends the response; close callbacks run with kClosedByServer. Idempotent.
    virtual void close() = 0;
    virtual bool is_open() const = 0;
    // Bytes queued but not yet taken by the kernel.
    virtual std::size_t unsent_bytes() const = 0;
    // Adds a callback run once when the stream ends, whatever the reason. Added to a closed
    // stream, it never runs.
    virtual void on_close(std::function<void(CloseReason)> callback) = 0;
    virtual std::string_view remote_address() const = 0;
};

using EventStreamPtr = std::shared_ptr<EventStream>;

} // namespace cadenza::sse
