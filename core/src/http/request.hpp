// The Request a route handler sees: a borrowed view of one evhttp_request, living on the
// server's stack for the duration of the handler call.
#pragma once

#include "http/event_stream.hpp"
#include "http/router.hpp"

#include <cadenza/http.hpp>

#include <string>
#include <string_view>

struct evhttp_request;

namespace cadenza::http {

// Sends `response` on `req` (the body left out for HEAD, its length kept). The Content-Type is
// always set, so evhttp never adds its text/html default.
void send_response(struct evhttp_request* req, const Response& response, bool head);

class RequestImpl final : public Request {
public:
    struct Target {
        Method method = Method::kGet;
        std::string path;       // decoded
        std::string_view query; // raw
        std::string host;       // normalised: the Host the request was routed by
        std::string base_path;
        std::string wildcard; // decoded
        MountId mount = 0;
        std::string_view remote;
        bool secure = false;
    };

    RequestImpl(StreamHub& hub, struct evhttp_request* req, Target target);

    Method method() const override { return t_.method; }
    std::string_view path() const override { return t_.path; }
    std::string_view base_path() const override { return t_.base_path; }
    std::string_view wildcard() const override { return t_.wildcard; }
    std::string_view query_string() const override { return t_.query; }
    std::optional<std::string> query(std::string_view name) const override;
    std::vector<std::string> query_all(std::string_view name) const override;
    std::optional<std::string_view> header(std::string_view name) const override;
    std::string_view host() const override { return t_.host; }
    std::string_view remote_address() const override { return t_.remote; }
    bool secure() const override { return t_.secure; }
    std::string_view body() const override;

    void respond(Response response) override;
    sse::EventStreamPtr start_event_stream(const sse::StreamOptions& options,
                                           std::vector<Header> headers) override;
    bool answered() const override { return answered_; }

    // The status answered (for the access log); 0 before an answer.
    int status() const { return status_; }

private:
    StreamHub& hub_;
    struct evhttp_request* req_;
    Target t_;
    bool answered_ = false;
    int status_ = 0;
};

} // namespace cadenza::http
