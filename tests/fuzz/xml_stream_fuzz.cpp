// Fuzzes the XML stream parser (xml/stream_parser.hpp) and the Stanza round trip.
//
// Input: byte 0 holds flags, bytes 1-3 three chunk sizes the rest is fed in, cyclically (0 means
// "all that is left"); the rest is the stream.
//   flag 1: the stream starts after a valid <stream:stream> header (else the input must open it)
//   flag 2: small limits, so the policy-violation paths run on small inputs
//   flag 4: reset the parser on <success/> and <proceed/>, as the c2s connection does, and go on
//           with the rest of the chunk
//   flag 8: also parse the whole rest as one element with Stanza::parse
// Checked: no callback after an error, a close or a stop; feed() never claims more bytes than
// it got; every stanza (and every error reply made from it) serialises to XML that parses again
// to the same tree, and a copy of each child placed in another tree keeps its name,
// namespace and text.
#include <cadenza/stanza.hpp>

#include "xml/stream_parser.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using cadenza::Element;
using cadenza::Stanza;

constexpr std::string_view kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' to='localhost' version='1.0'>";

[[noreturn]] void fail(const char* what, std::string_view detail) {
    std::fprintf(stderr, "xml_stream_fuzz: %s\n  %.*s\n", what, static_cast<int>(detail.size()),
                 detail.data());
    std::abort();
}

// The same element, as far as a reader can tell: names, namespaces, attributes and text.
void expect_same(Element a, Element b, int depth = 0) {
    if (a.name() != b.name() || a.ns() != b.ns() || a.text() != b.text()) {
        fail("an element changed when copied", a.serialize() + "\n  became " + b.serialize());
    }
    for (pugi::xml_attribute attribute : a.node().attributes()) {
        std::string_view name = attribute.name();
        if (name.substr(0, 5) == "xmlns" || name.find(':') != std::string_view::npos) {
            continue; // declarations move, prefixed attributes are looked up by prefix
        }
        if (b.attr(name) != attribute.value()) {
            fail("an attribute changed when copied", a.serialize() + "\n  became " + b.serialize());
        }
    }
    auto ac = a.children();
    auto bc = b.children();
    if (ac.size() != bc.size()) {
        fail("children changed when copied", a.serialize() + "\n  became " + b.serialize());
    }
    if (depth < 8) {
        for (std::size_t i = 0; i < ac.size(); ++i) {
            expect_same(ac[i], bc[i], depth + 1);
        }
    }
}

// serialize() output must parse to the same tree. Attribute order may change once (declarations
// a copy inherited come last), so the bytes must be a fixed point from the second time on.
void check_round_trip(const Stanza& stanza) {
    const std::string first = stanza.serialize();
    std::string error;
    Stanza again = Stanza::parse(first, &error);
    if (!again) {
        fail("serialize() output does not parse", first + "\n  error: " + error);
    }
    expect_same(stanza.root(), again.root());
    const std::string second = again.serialize();
    Stanza third = Stanza::parse(second, &error);
    if (!third) {
        fail("serialize() output does not parse", second + "\n  error: " + error);
    }
    if (third.serialize() != second) {
        fail("serialize(parse(s)) is not a fixed point", second + "\n  became " + third.serialize());
    }
}

void check_stanza(const Stanza& stanza) {
    check_round_trip(stanza);
    // Children moved into another tree keep their meaning (inherited declarations added).
    Stanza wrapper = Stanza::make("wrapper", "urn:fuzz");
    for (Element child : stanza.children()) {
        Element copy = wrapper.append_copy(child);
        expect_same(child, copy);
    }
    check_round_trip(wrapper);
    if (stanza.attr("type") != "error") {
        check_round_trip(cadenza::make_error_reply(stanza, "cancel", "bad-request", "fuzz <&>"));
    }
}

struct Observer {
    bool over = false; // error, close or stop seen: no callback may follow until reset()
    bool opened = false;
    bool reset_on_restart = false;
    cadenza::xml::StreamParser* parser = nullptr;

    void callback(const char* which) {
        if (over) {
            fail("a callback fired after an error, a close or stop()", which);
        }
    }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 4) {
        return 0;
    }
    const unsigned flags = data[0];
    const std::size_t chunks[3] = {data[1], data[2], data[3]};
    std::string_view input(reinterpret_cast<const char*>(data) + 4, size - 4);

    cadenza::xml::StreamLimits limits;
    if (flags & 2) {
        limits.max_stanza_bytes = 512;
        limits.max_depth = 6;
        limits.max_attributes = 6;
        limits.max_tag_bytes = 128;
    }
    Observer observer;
    observer.reset_on_restart = (flags & 4) != 0;
    cadenza::xml::StreamParser::Callbacks callbacks;
    callbacks.on_open = [&observer](const cadenza::xml::StreamHeader& header) {
        observer.callback("on_open");
        if (observer.opened) {
            fail("a second stream header without a reset", header.to);
        }
        observer.opened = true;
    };
    callbacks.on_stanza = [&observer](Stanza stanza) {
        observer.callback("on_stanza");
        if (!stanza) {
            fail("an empty stanza was delivered", "");
        }
        check_stanza(stanza);
        std::string_view name = stanza.name();
        if (observer.reset_on_restart && (name == "success" || name == "proceed")) {
            observer.parser->reset();
            observer.opened = false;
        }
    };
    callbacks.on_close = [&observer] {
        observer.callback("on_close");
        observer.over = true;
    };
    callbacks.on_error = [&observer](std::string_view condition, std::string_view) {
        observer.callback("on_error");
        if (condition.empty()) {
            fail("an error without a condition", "");
        }
        observer.over = true;
    };
    cadenza::xml::StreamParser parser(std::move(callbacks), limits);
    observer.parser = &parser;

    std::string stream;
    if (flags & 1) {
        stream.append(kHeader);
    }
    stream.append(input);
    std::string_view rest = stream;
    std::size_t turn = 0;
    while (!rest.empty() && !parser.stopped()) {
        std::size_t n = chunks[turn++ % 3];
        n = n == 0 ? rest.size() : std::min(n, rest.size());
        std::string_view chunk = rest.substr(0, n);
        rest.remove_prefix(n);
        while (!chunk.empty()) {
            std::size_t used = parser.feed(chunk);
            if (used > chunk.size()) {
                fail("feed() used more bytes than it got", chunk);
            }
            if (used == chunk.size() || parser.stopped()) {
                break;
            }
            // A deferred reset: the parser is fresh and takes the rest of the chunk.
            chunk.remove_prefix(used);
        }
    }
    if (parser.stopped() && !parser.failed() && !parser.closed()) {
        fail("the parser stopped without an error or a close", "");
    }

    if (flags & 8) {
        Stanza whole = Stanza::parse(input);
        if (whole) {
            check_stanza(whole);
        }
    }
    return 0;
}
