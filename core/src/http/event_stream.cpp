#include "http/event_stream.hpp"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>

#include <cstdio>
#include <cstring>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <utility>

// Why a stream writes its frames straight into the connection's output evbuffer instead of
// calling evhttp_send_reply_chunk (checked against libevent 2.1's http.c):
// - evhttp_send_reply_chunk copies nothing either (evbuffer_add_buffer moves chains), but it
//   needs a temporary evbuffer per send and prints a chunk header per send, while a Frame already
//   holds its chunk bytes, so one evbuffer_add_reference per stream shares them.
// - evhttp_send_reply_chunk ends in evhttp_write_buffer, which resets the bufferevent callbacks
//   and would remove the read callback that detects a client going away.
// - After evhttp_send_reply_start, evhttp's own state is "writing" with no completion callback:
//   its write callback does nothing and EV_WRITE stays enabled, so bytes added to the output are
//   flushed by the bufferevent as usual. evhttp_send_reply_end (or evhttp_connection_free) ends
//   the response the normal way; req->chunked, set by evhttp_send_reply_start, says whether the
//   chunk or the bare bytes are due.

namespace cadenza::http {
namespace {

void release_frame(const void*, std::size_t, void* frame) {
    static_cast<const sse::Frame*>(frame)->release();
}

// evhttp 2.1 leaves reading on during a reply, but with no read callback: bytes a client sends
// on an open stream would pile up in the input buffer. We drop them, and enable reading
// ourselves so that a close is noticed on an idle stream (libevent issue #78) whatever state
// evhttp left the connection in.
void drain_input(struct bufferevent* bev, void*) {
    struct evbuffer* in = bufferevent_get_input(bev);
    evbuffer_drain(in, evbuffer_get_length(in));
}

bool reserved_header(const std::string& name) {
    for (const char* r : {"Content-Type", "Content-Length", "Transfer-Encoding", "Cache-Control",
                          "X-Accel-Buffering"}) {
        if (strcasecmp(name.c_str(), r) == 0) {
            return true;
        }
    }
    return false;
}

bool asks_close(struct evkeyvalq* headers) {
    const char* value = evhttp_find_header(headers, "Connection");
    return value != nullptr && strcasecmp(value, "close") == 0;
}

const Logger& log() {
    static const Logger logger("http");
    return logger;
}

} // namespace

StreamHub::StreamHub(struct event_base* b, int request_timeout_seconds, unsigned write_threads)
    : base(b), keepalive(b, &EventStreamImpl::on_keepalive, nullptr),
      keepalive_frame(sse::Frame::from_sse(": keep-alive\n\n")), writers(write_threads) {
    request_timeout.tv_sec = request_timeout_seconds > 0 ? request_timeout_seconds : 0;
    // A stream is idle by design, so it has no read timeout; but output nobody takes for this
    // long means a dead peer whose memory we want back even if it stays under the cap.
    stream_write_timeout.tv_sec = request_timeout_seconds > 60 ? request_timeout_seconds : 60;
    flush_event = event_new(
        base, -1, 0,
        [](evutil_socket_t, short, void* hub) { static_cast<StreamHub*>(hub)->flush_streams(); },
        this);
}

StreamHub::~StreamHub() {
    close_streams({}, sse::CloseReason::kShutdown);
    to_flush.clear();
    event_free(flush_event);
}

void StreamHub::flush_later(std::shared_ptr<EventStreamImpl> stream) {
    if (to_flush.empty()) {
        // Active events run in order within a loop turn: this one runs after the callbacks
        // (commits, broadcasts) already queued, so a stream gets all of the turn's frames in
        // one write.
        event_active(flush_event, EV_TIMEOUT, 0);
    }
    to_flush.push_back(std::move(stream));
}

void StreamHub::flush_streams() {
    std::vector<std::shared_ptr<EventStreamImpl>> streams;
    streams.swap(to_flush);
    writers.run(streams.size(), [&streams](std::size_t i) { streams[i]->write_pending(); });
    for (auto& stream : streams) {
        stream->settle_pending();
    }
    streams.clear();
    if (to_flush.empty()) {
        to_flush.swap(streams); // keep the capacity for the next turn
    }
}

void StreamHub::close_streams(const std::function<bool(const EventStreamImpl&)>& pick,
                              sse::CloseReason reason) {
    // Close callbacks may close other streams: collect first.
    std::vector<std::shared_ptr<EventStreamImpl>> doomed;
    for (Link* l = streams.next; l != &streams; l = l->next) {
        if (!pick || pick(*l->stream)) {
            doomed.push_back(l->stream->self_);
        }
    }
    for (auto& s : doomed) {
        s->finish(reason);
    }
}

EventStreamImpl::EventStreamImpl(StreamHub& hub, struct evhttp_request* req,
                                 std::string_view remote, MountId mount, std::size_t max_buffer)
    : hub_(&hub), req_(req), evcon_(nullptr), bev_(nullptr), mount_(mount),
      max_buffer_(max_buffer) {
    keepalive_.owner = this;
    link_.stream = this;
    std::snprintf(remote_, sizeof remote_, "%.*s", static_cast<int>(remote.size()),
                  remote.data());
    if (req_ == nullptr) {
        return;
    }
    evcon_ = evhttp_request_get_connection(req_);
    bev_ = evhttp_connection_get_bufferevent(evcon_);
}

EventStreamImpl::~EventStreamImpl() = default;

std::shared_ptr<EventStreamImpl> EventStreamImpl::start(StreamHub& hub, struct evhttp_request* req,
                                                        std::string_view remote, MountId mount,
                                                        bool head_only,
                                                        const sse::StreamOptions& options,
                                                        const std::vector<Header>& headers) {
    auto stream = std::make_shared<EventStreamImpl>(hub, req, remote, mount, options.max_buffer);
    struct evkeyvalq* out = evhttp_request_get_output_headers(req);
    evhttp_add_header(out, "Content-Type", "text/event-stream");
    evhttp_add_header(out, "Cache-Control", "no-cache");
    evhttp_add_header(out, "X-Accel-Buffering", "no");
    for (const auto& h : headers) {
        if (!reserved_header(h.name) &&
            evhttp_add_header(out, h.name.c_str(), h.value.c_str()) != 0) {
            log().warn("dropped event stream header '", h.name, "': CR or LF in it");
        }
    }
    if (head_only) {
        evhttp_send_reply(req, 200, nullptr, nullptr);
        stream->req_ = nullptr;
        return stream;
    }
    if (req->major == 1 && req->minor == 0) {
        // HTTP/1.0 has no chunks: the body ends with the connection, which therefore must not
        // be offered for another request (evhttp would answer a keep-alive with keep-alive).
        evhttp_remove_header(evhttp_request_get_input_headers(req), "Connection");
        evhttp_add_header(out, "Connection", "close");
    }
    evhttp_send_reply_start(req, 200, nullptr);
    stream->chunked_ = req->chunked != 0;
    // The head is written; its header lists would only hold memory for the stream's lifetime.
    // evhttp looks at "Connection" once more when the response ends, so that much is kept.
    bool close_after = asks_close(evhttp_request_get_input_headers(req)) || asks_close(out);
    evhttp_clear_headers(evhttp_request_get_input_headers(req));
    evhttp_clear_headers(out);
    if (close_after) {
        evhttp_add_header(out, "Connection", "close");
    }

    // Take over close detection and timeouts from evhttp for as long as the stream runs.
    evhttp_connection_set_closecb(stream->evcon_, &EventStreamImpl::on_connection_closed,
                                  stream.get());
    bufferevent_set_timeouts(stream->bev_, nullptr, &hub.stream_write_timeout);
    bufferevent_data_cb write_cb = nullptr;
    bufferevent_event_cb event_cb = nullptr;
    void* cb_arg = nullptr;
    bufferevent_getcb(stream->bev_, nullptr, &write_cb, &event_cb, &cb_arg);
    bufferevent_setcb(stream->bev_, &drain_input, write_cb, event_cb, cb_arg);
    bufferevent_enable(stream->bev_, EV_READ);
    drain_input(stream->bev_, nullptr);

    if (bufferevent_openssl_get_ssl(stream->bev_) == nullptr) {
        stream->direct_fd_ = bufferevent_getfd(stream->bev_);
    }
    stream->open_ = true;
    stream->self_ = stream;
    StreamHub::Link& link = stream->link_;
    link.prev = hub.streams.prev;
    link.next = &hub.streams;
    hub.streams.prev->next = &link;
    hub.streams.prev = &link;
    ++hub.open_streams;
    ++hub.streams_started;
    hub.keepalive.add(stream->keepalive_, options.keepalive_seconds);

    if (options.retry_ms) {
        char retry[40];
        int n = std::snprintf(retry, sizeof retry, "retry: %u\n\n", unsigned{*options.retry_ms});
        stream->queue(retry, static_cast<std::size_t>(n));
    }
    return stream;
}

void EventStreamImpl::queue(const char* data, std::size_t size) {
    struct evbuffer* out = bufferevent_get_output(bev_);
    if (chunked_) {
        evbuffer_add_printf(out, "%zx\r\n", size);
    }
    evbuffer_add(out, data, size);
    if (chunked_) {
        evbuffer_add(out, "\r\n", 2);
    }
}

bool EventStreamImpl::send(const sse::FramePtr& frame) {
    if (!open_) {
        return false;
    }
    if (!frame) {
        return true;
    }
    std::string_view bytes = wire_bytes(*frame);
    if (bytes.empty()) {
        return true;
    }
    hub_->keepalive.touch(keepalive_);
    struct evbuffer* out = bufferevent_get_output(bev_);
    // A reading client's socket takes what we write: write it ourselves at the end of the
    // turn, one sendmsg() for all of the turn's frames. Through the bufferevent each write
    // would also add and then remove its write event (two epoll_ctl calls). A stream with
    // unsent output keeps using the bufferevent, which waits for the socket to drain.
    if (direct_fd_ >= 0 && (!pending_.empty() || evbuffer_get_length(out) == 0)) {
        if (pending_.empty()) {
            hub_->flush_later(self_);
        }
        pending_.push_back(frame);
        pending_bytes_ += bytes.size();
        if (pending_bytes_ > max_buffer_) {
            end(sse::CloseReason::kOverflow, Ending::kDrop);
            return false;
        }
        return true;
    }
    if (!add_to_output(frame, bytes)) {
        end(sse::CloseReason::kOverflow, Ending::kDrop); // this reader costs too much
        return false;
    }
    if (evbuffer_get_length(out) > max_buffer_) {
        end(sse::CloseReason::kOverflow, Ending::kDrop);
        return false;
    }
    return true;
}

bool EventStreamImpl::add_to_output(const sse::FramePtr& frame, std::string_view bytes) {
    frame->retain();
    if (evbuffer_add_reference(bufferevent_get_output(bev_), bytes.data(), bytes.size(),
                               &release_frame, const_cast<sse::Frame*>(frame.get())) != 0) {
        frame->release();
        return false;
    }
    return true;
}

void EventStreamImpl::write_pending() {
    written_frames_ = 0;
    written_skip_ = 0;
    if (!open_ || pending_.empty()) {
        return;
    }
    constexpr std::size_t kMaxIov = 64;
    std::size_t& first = written_frames_; // the first frame not entirely written
    std::size_t& skip = written_skip_;    // bytes of it already written
    while (first < pending_.size()) {
        iovec iov[kMaxIov];
        std::size_t count = 0;
        for (std::size_t i = first; i < pending_.size() && count < kMaxIov; ++i, ++count) {
            std::string_view bytes = wire_bytes(*pending_[i]);
            if (i == first) {
                bytes.remove_prefix(skip);
            }
            iov[count] = {const_cast<char*>(bytes.data()), bytes.size()};
        }
        msghdr message{};
        message.msg_iov = iov;
        message.msg_iovlen = count;
        ssize_t n = ::sendmsg(direct_fd_, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n <= 0) {
            return; // full (or an error, which the bufferevent meets on its own write)
        }
        auto written = static_cast<std::size_t>(n);
        while (first < pending_.size() && written > 0) {
            std::size_t left = wire_bytes(*pending_[first]).size() - skip;
            if (written < left) {
                skip += written;
                written = 0;
            } else {
                written -= left;
                skip = 0;
                ++first;
            }
        }
        if (skip > 0) {
            return; // the socket took part of a frame: it is full
        }
    }
}

void EventStreamImpl::settle_pending() {
    std::vector<sse::FramePtr> frames;
    frames.swap(pending_); // end() below may touch pending_
    pending_bytes_ = 0;
    if (open_) {
        for (std::size_t i = written_frames_; i < frames.size(); ++i) {
            std::string_view bytes = wire_bytes(*frames[i]);
            if (i == written_frames_) {
                bytes.remove_prefix(written_skip_);
            }
            if (!add_to_output(frames[i], bytes)) {
                end(sse::CloseReason::kOverflow, Ending::kDrop);
                break;
            }
        }
        if (open_ && evbuffer_get_length(bufferevent_get_output(bev_)) > max_buffer_) {
            end(sse::CloseReason::kOverflow, Ending::kDrop);
        }
    }
    frames.clear();
    if (pending_.empty()) {
        pending_.swap(frames); // keeps the capacity: no allocation on the next turn
    }
}

void EventStreamImpl::close() {
    finish(sse::CloseReason::kClosedByServer);
}

void EventStreamImpl::finish(sse::CloseReason reason) {
    end(reason, reason == sse::CloseReason::kOverflow ? Ending::kDrop : Ending::kGraceful);
}

std::size_t EventStreamImpl::unsent_bytes() const {
    return open_ ? pending_bytes_ + evbuffer_get_length(bufferevent_get_output(bev_)) : 0;
}

void EventStreamImpl::on_close(std::function<void(sse::CloseReason)> callback) {
    if (open_ && callback) {
        on_close_.push_back(std::move(callback));
    }
}

void EventStreamImpl::end(sse::CloseReason reason, Ending how) {
    if (!open_) {
        return;
    }
    open_ = false;
    // The last owner may be self_: keep this object alive until the callbacks ran.
    std::shared_ptr<EventStreamImpl> keep = std::move(self_);
    StreamHub& hub = *hub_;
    hub.keepalive.remove(keepalive_);
    link_.prev->next = link_.next;
    link_.next->prev = link_.prev;
    link_.prev = link_.next = &link_;
    --hub.open_streams;
    if (reason == sse::CloseReason::kOverflow) {
        ++hub.overflow_closes;
        // One line per stream dropped (not per frame): the operator sees slow readers go.
        log().info("dropped the event stream of ", remote_, ": its reader fell more than ",
                   max_buffer_, " bytes behind");
    }

    if (how == Ending::kGraceful) {
        // Frames this turn had for the stream go before the end of the response.
        for (const sse::FramePtr& frame : pending_) {
            add_to_output(frame, wire_bytes(*frame));
        }
    }
    pending_.clear();
    pending_bytes_ = 0;

    struct evhttp_request* req = std::exchange(req_, nullptr);
    struct evhttp_connection* evcon = std::exchange(evcon_, nullptr);
    struct bufferevent* bev = std::exchange(bev_, nullptr);
    switch (how) {
    case Ending::kGraceful:
        // The connection may carry more requests: give it back to evhttp as it was.
        evhttp_connection_set_closecb(evcon, hub.connection_closed, hub.connection_closed_arg);
        if (hub.connection_returned != nullptr) {
            hub.connection_returned(evcon, hub.connection_closed_arg);
        }
        if (hub.request_timeout.tv_sec > 0) {
            bufferevent_set_timeouts(bev, &hub.request_timeout, &hub.request_timeout);
        } else {
            bufferevent_set_timeouts(bev, nullptr, nullptr);
        }
        evhttp_send_reply_end(req);
        break;
    case Ending::kDrop:
        evhttp_connection_set_closecb(evcon, hub.connection_closed, hub.connection_closed_arg);
        evhttp_connection_free(evcon); // frees req and the queued frames too
        break;
    case Ending::kGone:
        // evhttp detaches a request it was still sending when the connection failed, and leaves
        // freeing it to the final evhttp_send_reply_end.
        if (evhttp_request_get_connection(req) == nullptr) {
            evhttp_send_reply_end(req);
        }
        break;
    }

    auto callbacks = std::move(on_close_);
    for (auto& callback : callbacks) {
        try {
            callback(reason);
        } catch (const std::exception& e) {
            log().error("an event stream close callback failed: ", e.what());
        } catch (...) {
            log().error("an event stream close callback failed");
        }
    }
}

void EventStreamImpl::on_connection_closed(struct evhttp_connection* evcon, void* arg) {
    auto* stream = static_cast<EventStreamImpl*>(arg);
    StreamHub& hub = *stream->hub_;
    if (hub.connection_closed != nullptr) {
        hub.connection_closed(evcon, hub.connection_closed_arg);
    }
    stream->end(sse::CloseReason::kClientGone, Ending::kGone);
}

void EventStreamImpl::on_keepalive(KeepAlive::Entry& entry, void*) {
    auto* stream = static_cast<EventStreamImpl*>(entry.owner);
    stream->send(stream->hub_->keepalive_frame);
}

} // namespace cadenza::http
