#include <cadenza/stanza.hpp>

#include "xml/stream_parser.hpp"

#include <limits>
#include <utility>

namespace cadenza {

Stanza Stanza::parse(std::string_view xml, std::string* error) {
    Stanza result;
    std::string failure;
    xml::StreamParser::Callbacks callbacks;
    callbacks.on_stanza = [&result](Stanza stanza) { result = std::move(stanza); };
    callbacks.on_error = [&failure](std::string_view condition, std::string_view text) {
        failure = std::string(condition) + ": " + std::string(text);
    };
    // The input is already in memory: only the structural limits matter.
    xml::StreamLimits limits;
    limits.max_stanza_bytes = std::numeric_limits<std::size_t>::max();
    limits.max_tag_bytes = std::numeric_limits<std::size_t>::max();
    xml::StreamParser parser(std::move(callbacks), limits, xml::StreamParser::Framing::kDocument);
    parser.feed(xml);
    parser.finish();
    if (parser.failed() || !result) {
        if (error != nullptr) {
            *error = failure.empty() ? "no element found" : failure;
        }
        return {};
    }
    return result;
}

} // namespace cadenza
