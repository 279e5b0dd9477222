#include "http/request.hpp"

#include "http/percent_decode.hpp"

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <strings.h>

namespace cadenza::http {
namespace {

// Headers the server computes itself; a module setting them would corrupt the framing.
bool reserved_header(const std::string& name) {
    return strcasecmp(name.c_str(), "Content-Length") == 0 ||
           strcasecmp(name.c_str(), "Transfer-Encoding") == 0 ||
           strcasecmp(name.c_str(), "Content-Type") == 0;
}

const Logger& log() {
    static const Logger logger("http");
    return logger;
}

} // namespace

void send_response(struct evhttp_request* req, const Response& response, bool head) {
    struct evkeyvalq* out = evhttp_request_get_output_headers(req);
    const std::string& type = response.content_type;
    evhttp_add_header(out, "Content-Type",
                      type.empty() ? "text/plain; charset=utf-8" : type.c_str());
    for (const auto& h : response.headers) {
        if (reserved_header(h.name)) {
            continue;
        }
        if (evhttp_add_header(out, h.name.c_str(), h.value.c_str()) != 0) {
            log().warn("dropped response header '", h.name, "': CR or LF in it");
        }
    }
    int status = response.status >= 100 && response.status <= 599 ? response.status : 500;
    if (head) {
        evhttp_add_header(out, "Content-Length", std::to_string(response.body.size()).c_str());
    } else if (!response.body.empty()) {
        evbuffer_add(evhttp_request_get_output_buffer(req), response.body.data(),
                     response.body.size());
    }
    evhttp_send_reply(req, status, nullptr, nullptr);
}

RequestImpl::RequestImpl(StreamHub& hub, struct evhttp_request* req, Target target)
    : hub_(hub), req_(req), t_(std::move(target)) {}

std::optional<std::string> RequestImpl::query(std::string_view name) const {
    for (auto& [key, value] : parse_query(t_.query)) {
        if (key == name) {
            return std::move(value);
        }
    }
    return std::nullopt;
}

std::vector<std::string> RequestImpl::query_all(std::string_view name) const {
    std::vector<std::string> out;
    for (auto& [key, value] : parse_query(t_.query)) {
        if (key == name) {
            out.push_back(std::move(value));
        }
    }
    return out;
}

std::optional<std::string_view> RequestImpl::header(std::string_view name) const {
    const char* value =
        evhttp_find_header(evhttp_request_get_input_headers(req_), std::string(name).c_str());
    if (value == nullptr) {
        return std::nullopt;
    }
    return std::string_view(value);
}

std::string_view RequestImpl::body() const {
    struct evbuffer* in = evhttp_request_get_input_buffer(req_);
    std::size_t size = evbuffer_get_length(in);
    if (size == 0) {
        return {};
    }
    // One contiguous block; evhttp already capped its size at max_body_bytes.
    const unsigned char* data = evbuffer_pullup(in, -1);
    return {reinterpret_cast<const char*>(data), size};
}

void RequestImpl::respond(Response response) {
    if (answered_) {
        log().warn("a handler answered ", method_name(t_.method), " ", t_.path,
                   " twice; the second answer (", response.status, ") is dropped");
        return;
    }
    answered_ = true;
    status_ = response.status;
    send_response(req_, response, t_.method == Method::kHead);
}

sse::EventStreamPtr RequestImpl::start_event_stream(const sse::StreamOptions& options,
                                                    std::vector<Header> headers) {
    if (answered_) {
        log().warn("a handler started an event stream on ", t_.path,
                   " after answering; the stream is closed");
        return std::make_shared<EventStreamImpl>(hub_, nullptr, t_.remote, t_.mount, 0);
    }
    answered_ = true;
    status_ = 200;
    return EventStreamImpl::start(hub_, req_, t_.remote, t_.mount, t_.method == Method::kHead,
                                  options, headers);
}

} // namespace cadenza::http
