// The EventStream behind Request::start_event_stream: one open text/event-stream response on an
// evhttp connection, and the StreamHub that the server shares with all its streams.
//
// An open stream keeps itself alive (self_) and sits in the hub's list; when it closes it leaves
// the list and drops that reference, so it then lives only as long as modules hold it.
// Loop thread only.
#pragma once

#include "http/keepalive.hpp"
#include "http/router.hpp"
#include "http/write_pool.hpp"

#include <cadenza/http.hpp>
#include <cadenza/log.hpp>
#include <cadenza/sse.hpp>

#include <sys/time.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

struct bufferevent;
struct event_base;
struct evhttp_connection;
struct evhttp_request;

namespace cadenza::http {

class EventStreamImpl;

// What the server shares with its streams. Owned by the HttpServer; outlives every open stream
// (the server closes them all before it goes).
struct StreamHub {
    StreamHub(struct event_base* base, int request_timeout_seconds, unsigned write_threads);
    ~StreamHub();
    StreamHub(const StreamHub&) = delete;
    StreamHub& operator=(const StreamHub&) = delete;

    // The connection close callback for connections without an open stream; a stream puts its
    // own in place while it runs and restores this one when it ends.
    using ConnectionCallback = void (*)(struct evhttp_connection*, void*);
    ConnectionCallback connection_closed = nullptr;
    void* connection_closed_arg = nullptr;
    // Called when a stream ended gracefully and its connection may carry another request, so
    // that the server gives that request its deadline (same argument as connection_closed).
    ConnectionCallback connection_returned = nullptr;

    struct event_base* base;
    timeval request_timeout{}; // restored on a connection whose stream ended
    timeval stream_write_timeout{};
    KeepAlive keepalive;
    sse::FramePtr keepalive_frame;
    Logger log{"http"};

    // Open streams, in start order (a circular list with a sentinel).
    struct Link {
        Link* prev = this;
        Link* next = this;
        EventStreamImpl* stream = nullptr;
    };
    Link streams;
    std::size_t open_streams = 0;
    std::uint64_t streams_started = 0;
    std::uint64_t overflow_closes = 0;

    // Plain-TCP streams with frames waiting for this loop turn's flush (see
    // EventStreamImpl::send); flushed by flush_event, which runs after the turn's broadcasts,
    // on the writers' threads.
    std::vector<std::shared_ptr<EventStreamImpl>> to_flush;
    struct event* flush_event = nullptr;
    WritePool writers;
    void flush_later(std::shared_ptr<EventStreamImpl> stream);
    void flush_streams();

    // Closes the open streams `pick` selects (all of them when it is empty).
    void close_streams(const std::function<bool(const EventStreamImpl&)>& pick,
                       sse::CloseReason reason);
};

class EventStreamImpl final : public sse::EventStream {
public:
    // Sends the response head and takes over the connection. `options` were validated by the
    // caller. Returns the stream, already open (or already closed for a HEAD request, which gets
    // the head only).
    // `remote` is the client's address as the request has it (see forwarded.hpp).
    static std::shared_ptr<EventStreamImpl> start(StreamHub& hub, struct evhttp_request* req,
                                                  std::string_view remote, MountId mount,
                                                  bool head_only,
                                                  const sse::StreamOptions& options,
                                                  const std::vector<Header>& headers);

    EventStreamImpl(StreamHub& hub, struct evhttp_request* req, std::string_view remote,
                    MountId mount, std::size_t max_buffer);
    ~EventStreamImpl() override;

    bool send(const sse::FramePtr& frame) override;
    void close() override;
    bool is_open() const override { return open_; }
    std::size_t unsent_bytes() const override;
    void on_close(std::function<void(sse::CloseReason)> callback) override;
    std::string_view remote_address() const override { return remote_; }

    MountId mount() const { return mount_; }
    // Ends the stream for `reason` (the response is ended cleanly, except for kOverflow, where
    // the connection is dropped).
    void finish(sse::CloseReason reason);

private:
    enum class Ending { kGraceful, kDrop, kGone };
    void end(sse::CloseReason reason, Ending how);
    // A frame's bytes as this stream sends them: an HTTP chunk, or bare for HTTP/1.0.
    std::string_view wire_bytes(const sse::Frame& frame) const {
        return chunked_ ? frame.chunk() : frame.sse();
    }
    void queue(const char* data, std::size_t size);
    // Adds frame bytes to the bufferevent's output (shared, not copied); false if out of
    // memory.
    bool add_to_output(const sse::FramePtr& frame, std::string_view bytes);
    // The flush of this turn's frames, in two steps. write_pending() writes them with one
    // sendmsg() (more past 64 frames) until the socket is full, and notes how far it got; it
    // reads only pending_ and the socket, so it may run on a WritePool helper while the loop
    // thread waits. settle_pending(), on the loop thread, queues what the socket did not take
    // on the bufferevent (which waits for the socket to drain) and applies the cap.
    void write_pending();
    void settle_pending();

    static void on_connection_closed(struct evhttp_connection* evcon, void* arg);
    static void on_keepalive(KeepAlive::Entry& entry, void* arg);
    friend struct StreamHub;

    StreamHub* hub_;
    struct evhttp_request* req_;
    struct evhttp_connection* evcon_;
    struct bufferevent* bev_;
    MountId mount_;
    std::size_t max_buffer_;
    bool open_ = false;
    bool chunked_ = false;
    int direct_fd_ = -1; // a plain TCP stream's socket; -1 on TLS, which goes through the evbuffer
    std::vector<sse::FramePtr> pending_; // this turn's frames for direct_fd_, not yet written
    std::size_t pending_bytes_ = 0;
    std::size_t written_frames_ = 0; // set by write_pending(): pending_ frames the socket took
    std::size_t written_skip_ = 0;   // ... and bytes of the next one
    char remote_[48] = {}; // a numeric address: no allocation
    std::vector<std::function<void(sse::CloseReason)>> on_close_;
    KeepAlive::Entry keepalive_;
    StreamHub::Link link_;
    std::shared_ptr<EventStreamImpl> self_; // set while open
};

} // namespace cadenza::http
