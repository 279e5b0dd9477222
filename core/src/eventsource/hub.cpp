#include <cadenza/eventsource.hpp>

#include <unordered_map>

namespace cadenza::eventsource {

namespace {

struct Topic {
    std::vector<sse::EventStreamPtr> streams;
    std::unordered_map<const sse::EventStream*, std::size_t> index; // position in `streams`
};

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

} // namespace

struct Hub::State {
    std::unordered_map<std::string, Topic, StringHash, std::equal_to<>> topics;
    std::size_t total = 0;

    // Swap-with-last removal: O(1), order does not matter for a broadcast.
    void remove(const std::string& name, const sse::EventStream* stream) {
        auto t = topics.find(name);
        if (t == topics.end()) {
            return;
        }
        Topic& topic = t->second;
        auto found = topic.index.find(stream);
        if (found == topic.index.end()) {
            return;
        }
        std::size_t at = found->second;
        topic.index.erase(found);
        if (at + 1 != topic.streams.size()) {
            topic.streams[at] = std::move(topic.streams.back());
            topic.index[topic.streams[at].get()] = at;
        }
        topic.streams.pop_back();
        --total;
        if (topic.streams.empty()) {
            topics.erase(t);
        }
    }
};

Hub::Hub() : state_(std::make_shared<State>()) {}

Hub::~Hub() = default;

void Hub::subscribe(std::string_view topic_name, const sse::EventStreamPtr& stream) {
    if (!stream->is_open()) {
        return;
    }
    auto it = state_->topics.find(topic_name);
    if (it == state_->topics.end()) {
        it = state_->topics.emplace(std::string(topic_name), Topic{}).first;
    }
    Topic& topic = it->second;
    if (topic.index.count(stream.get()) != 0) {
        return;
    }
    topic.index.emplace(stream.get(), topic.streams.size());
    topic.streams.push_back(stream);
    ++state_->total;
    std::weak_ptr<State> weak = state_;
    std::string name(topic_name);
    const sse::EventStream* raw = stream.get();
    stream->on_close([weak, name, raw](sse::CloseReason) {
        if (auto state = weak.lock()) {
            state->remove(name, raw);
        }
    });
}

std::size_t Hub::broadcast(std::string_view topic_name, const sse::FramePtr& frame) {
    auto it = state_->topics.find(topic_name);
    if (it == state_->topics.end()) {
        return 0;
    }
    // A send can close a stream (its cap), which removes it from this very vector: take a
    // snapshot of the handles first. Copying shared_ptrs is the only per-stream cost here.
    std::vector<sse::EventStreamPtr> streams = it->second.streams;
    std::size_t sent = 0;
    for (const auto& stream : streams) {
        sent += stream->send(frame) ? 1 : 0;
    }
    return sent;
}

bool Hub::has_streams(std::string_view topic) const {
    return state_->topics.find(topic) != state_->topics.end();
}

std::size_t Hub::count(std::string_view topic) const {
    auto it = state_->topics.find(topic);
    return it == state_->topics.end() ? 0 : it->second.streams.size();
}

std::size_t Hub::total() const { return state_->total; }

void Hub::close_topic(std::string_view topic_name, const sse::FramePtr& last) {
    auto it = state_->topics.find(topic_name);
    if (it == state_->topics.end()) {
        return;
    }
    std::vector<sse::EventStreamPtr> streams = it->second.streams;
    for (const auto& stream : streams) {
        if (last) {
            stream->send(last);
        }
        stream->close();
    }
}

} // namespace cadenza::eventsource
