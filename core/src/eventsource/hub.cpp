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
    int broadcasting = 0;           // nesting depth of broadcast()/close_topic()
    std::vector<std::string> holed; // topics with removals left as null slots meanwhile

    // Swap-with-last removal: O(1), order does not matter for a broadcast. During a broadcast
    // the slot is only emptied (the loop walks the vector by index), and compacted after.
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
        --total;
        if (broadcasting > 0) {
            topic.streams[at].reset();
            holed.push_back(name);
            return;
        }
        if (at + 1 != topic.streams.size()) {
            topic.streams[at] = std::move(topic.streams.back());
            topic.index[topic.streams[at].get()] = at;
        }
        topic.streams.pop_back();
        if (topic.streams.empty()) {
            topics.erase(t);
        }
    }

    // Removes the null slots left by removals during broadcasts.
    void compact() {
        std::vector<std::string> names;
        names.swap(holed);
        for (const std::string& name : names) {
            auto t = topics.find(name);
            if (t == topics.end()) {
                continue;
            }
            Topic& topic = t->second;
            std::size_t kept = 0;
            for (std::size_t i = 0; i < topic.streams.size(); ++i) {
                if (!topic.streams[i]) {
                    continue;
                }
                if (kept != i) {
                    topic.streams[kept] = std::move(topic.streams[i]);
                    topic.index[topic.streams[kept].get()] = kept;
                }
                ++kept;
            }
            topic.streams.resize(kept);
            if (topic.streams.empty()) {
                topics.erase(t);
            }
        }
    }

    // Calls `f` for each stream of the topic. No copy of the handles: a stream closed by `f`
    // (its cap, or by close_topic) leaves a null slot until the outermost walk ends.
    template <typename F> void for_each(std::string_view name, F&& f) {
        auto t = topics.find(name);
        if (t == topics.end()) {
            return;
        }
        ++broadcasting;
        std::vector<sse::EventStreamPtr>& streams = t->second.streams;
        // By index, with the size read each time: a callback may subscribe and grow the vector.
        for (std::size_t i = 0; i < streams.size(); ++i) {
            if (sse::EventStream* stream = streams[i].get()) {
                f(*stream);
            }
        }
        if (--broadcasting == 0 && !holed.empty()) {
            compact();
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
    std::size_t sent = 0;
    state_->for_each(topic_name,
                     [&](sse::EventStream& stream) { sent += stream.send(frame) ? 1 : 0; });
    return sent;
}

bool Hub::has_streams(std::string_view topic) const {
    auto it = state_->topics.find(topic);
    return it != state_->topics.end() && !it->second.index.empty();
}

std::size_t Hub::count(std::string_view topic) const {
    auto it = state_->topics.find(topic);
    return it == state_->topics.end() ? 0 : it->second.index.size(); // live ones, not holes
}

std::size_t Hub::total() const { return state_->total; }

void Hub::close_topic(std::string_view topic_name, const sse::FramePtr& last) {
    state_->for_each(topic_name, [&](sse::EventStream& stream) {
        if (last) {
            stream.send(last);
        }
        stream.close();
    });
}

} // namespace cadenza::eventsource
