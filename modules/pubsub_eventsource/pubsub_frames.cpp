#include "pubsub_frames.hpp"

#include <cadenza/eventsource.hpp>
#include <cadenza/stanza.hpp>

namespace pubsub_frames {

using cadenza::eventsource::json_string;
namespace sse = cadenza::sse;

std::string payload_data(std::string_view payload_xml) {
    // Cheap test first: only these two payload shapes are unwrapped.
    if (!(payload_xml.starts_with("<json") || payload_xml.starts_with("<data"))) {
        return std::string(payload_xml);
    }
    cadenza::Stanza payload = cadenza::Stanza::parse(payload_xml);
    if (payload && ((payload.name() == "json" && payload.ns() == "urn:xmpp:json:0") ||
                    (payload.name() == "data" && payload.ns() == "https://prosody.im/protocol/data"))) {
        return payload.text();
    }
    return std::string(payload_xml);
}

sse::FramePtr plain_item(std::string_view id, std::string_view payload_xml) {
    std::string data = payload_data(payload_xml);
    return sse::make_frame({.id = id, .data = data});
}

sse::FramePtr json_item(std::string_view node, std::string_view id, std::string_view payload_xml) {
    std::string data = "{\"node\":" + json_string(node) + ",\"id\":" + json_string(id) +
                       ",\"payload\":" + json_string(payload_data(payload_xml)) + "}";
    return sse::make_frame({.id = id, .data = data});
}

sse::FramePtr retract(std::string_view node, std::string_view id, bool json) {
    std::string data = json ? "{\"node\":" + json_string(node) + ",\"id\":" + json_string(id) + "}"
                            : std::string(id);
    return sse::make_frame({.type = "retract", .data = data});
}

sse::FramePtr node_event(std::string_view type, std::string_view node, bool json) {
    std::string data = json ? "{\"node\":" + json_string(node) + "}" : std::string(node);
    return sse::make_frame({.type = type, .data = data});
}

} // namespace pubsub_frames
