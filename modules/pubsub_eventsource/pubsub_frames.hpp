// How pubsub events look on the wire (docs/pubsub_eventsource.md is the reference):
//
//   item, plain stream:   id: <item id>  data: <payload>
//   item, JSON stream:    id: <item id>  data: {"node":..,"id":..,"payload":"<payload>"}
//   retract:              event: retract  data: <item id>   (JSON: {"node":..,"id":..})
//   purge / delete:       event: purge|delete  data: <node> (JSON: {"node":..})
//
// The payload is the item's payload element as XML, except <json xmlns='urn:xmpp:json:0'/>
// and <data xmlns='https://prosody.im/protocol/data'/>, whose text is sent as it is.
#pragma once

#include <cadenza/sse.hpp>

#include <string>
#include <string_view>

namespace pubsub_frames {

// The event data for a stored payload (serialised XML).
std::string payload_data(std::string_view payload_xml);

cadenza::sse::FramePtr plain_item(std::string_view id, std::string_view payload_xml);
cadenza::sse::FramePtr json_item(std::string_view node, std::string_view id,
                                 std::string_view payload_xml);
cadenza::sse::FramePtr retract(std::string_view node, std::string_view id, bool json);
cadenza::sse::FramePtr node_event(std::string_view type, std::string_view node, bool json);

} // namespace pubsub_frames
