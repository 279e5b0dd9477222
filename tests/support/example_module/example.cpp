// mod_example: the complete module that docs/modules.md walks through, also used by the
// integration tests. Per host it serves (under http_paths.example, default /example):
//
//   GET  /hello           "Hello from <host>"            (a plain answer)
//   GET  /events/<topic>  a Server-Sent Events stream of <topic>
//   POST /publish/<topic> the body becomes one event, sent to every stream of <topic>
//   GET  /stats           "streams=N overflowed=M"
//
// Publishing goes through the host's hook bus (`example-published`), the way mod_pubsub hands
// items to mod_pubsub_eventsource: one module fires, any number observe.
#include <cadenza/cadenza.hpp>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace {

using namespace cadenza;

// The payload of `example-published`. Borrowed by handlers for the duration of the fire.
struct ExamplePublished {
    std::string topic;
    std::string data;
};

struct Example {
    sse::StreamOptions stream_options;
    std::string greeting;
    std::unordered_map<std::string, std::vector<sse::EventStreamPtr>> topics;
    std::uint64_t next_id = 1;
    std::uint64_t overflowed = 0;
    std::size_t open_streams = 0;
};

void open_stream(const std::shared_ptr<Example>& state, http::Request& req) {
    std::string topic(req.wildcard());
    if (topic.empty()) {
        req.respond(http::Response::text(404, "no topic\n"));
        return;
    }
    sse::EventStreamPtr stream = req.start_event_stream(
        state->stream_options, {{"Access-Control-Allow-Origin", "*"}});
    state->topics[topic].push_back(stream);
    ++state->open_streams;
    // A weak pointer: the state owns the streams, so the streams must not own the state.
    std::weak_ptr<Example> weak = state;
    sse::EventStream* raw = stream.get();
    stream->on_close([weak, topic, raw](sse::CloseReason reason) {
        auto s = weak.lock();
        if (!s) {
            return;
        }
        --s->open_streams;
        if (reason == sse::CloseReason::kOverflow) {
            ++s->overflowed;
        }
        auto& streams = s->topics[topic];
        std::erase_if(streams, [raw](const sse::EventStreamPtr& p) { return p.get() == raw; });
    });
}

void broadcast(Example& state, const ExamplePublished& event) {
    auto it = state.topics.find(event.topic);
    if (it == state.topics.end()) {
        return;
    }
    std::string id = std::to_string(state.next_id++);
    // Framed once; every stream shares the same bytes.
    sse::FramePtr frame = sse::make_frame({.id = id, .type = {}, .data = event.data, .retry_ms = {}});
    // Copy: a send that overflows closes that stream, whose callback edits the vector.
    std::vector<sse::EventStreamPtr> streams = it->second;
    for (const auto& stream : streams) {
        stream->send(frame);
    }
}

void load(Module& module) {
    auto state = std::make_shared<Example>();
    const Options& options = module.options();
    state->stream_options.keepalive_seconds =
        static_cast<int>(options.get_int("example_keepalive", 15, 0, 3600));
    state->stream_options.max_buffer = static_cast<std::size_t>(
        options.get_int("example_max_buffer", 1024 * 1024, 1024, 1024LL * 1024 * 1024));
    state->stream_options.retry_ms = 3000;
    state->greeting = options.get_string("example_greeting", "Hello from");

    module.observe<ExamplePublished>("example-published",
                                     [state](ExamplePublished& e) { broadcast(*state, e); });

    Module* self = &module;
    module.provides_http(
        {"example",
         {
             {"GET /hello",
              [state, self](http::Request& req) {
                  req.respond(http::Response::text(200, state->greeting + " " + self->host() + "\n"));
              }},
             {"GET /events/*", [state](http::Request& req) { open_stream(state, req); }},
             {"POST /publish/*",
              [self](http::Request& req) {
                  ExamplePublished event{std::string(req.wildcard()), std::string(req.body())};
                  std::size_t observers = self->notify("example-published", event);
                  req.respond(http::Response::text(200, "observers=" +
                                                            std::to_string(observers) + "\n"));
              }},
             {"GET /stats",
              [state](http::Request& req) {
                  req.respond(http::Response::text(
                      200, "streams=" + std::to_string(state->open_streams) +
                               " overflowed=" + std::to_string(state->overflowed) + "\n"));
              }},
         }});
    module.log().info("example routes at ", module.http_path("example"));
}

const char* const kOptions[] = {"example_keepalive", "example_max_buffer", "example_greeting",
                                nullptr};

} // namespace

CADENZA_MODULE("example", load, nullptr, nullptr, kOptions)
