// An incremental parser for one XMPP stream (RFC 6120 §4), over expat with namespaces.
//
// Feed it the bytes a connection reads, in chunks of any size (one byte at a time works). It
// reports the <stream:stream> header, every complete top-level child of the stream as a Stanza
// (whitespace keep-alives between stanzas are ignored), the closing </stream:stream>, or one
// error with its RFC 6120 §4.9.3 stream error condition:
//
//   not-well-formed       malformed XML, invalid UTF-8, characters XML 1.0 forbids, unbound
//                         prefixes, undefined entities
//   restricted-xml        a DOCTYPE, entity declaration, processing instruction or comment
//                         anywhere on the stream (RFC 6120 §11.1); a DOCTYPE is refused
//                         before any entity can be declared, so entity expansion costs nothing
//   policy-violation      a stanza larger than max_stanza_bytes (counted in input bytes from
//                         the '<' of its start tag to the '>' of its end tag), nesting deeper
//                         than max_depth, more than max_attributes on an element, or a single
//                         tag (start tag with its attributes) longer than max_tag_bytes
//   invalid-namespace     the first element is not {http://etherx.jabber.org/streams}stream
//   bad-format            non-whitespace character data between stanzas
//   unsupported-encoding  an XML declaration naming an encoding other than UTF-8
//
// After an error, the close or stop(), no callback fires until reset(). The parser does not
// judge the header's content (to, version, default namespace): the connection does, and calls
// stop() after sending its own stream error.
//
// Memory: a stanza in progress is bounded by max_stanza_bytes of input (its tree is a small
// multiple of that), expat's buffer by max_tag_bytes plus one internal slice of 16 KiB.
// CPU: expat 2.5 rescans an incomplete token on every feed, so a long tag sent a byte at a time
// would cost time quadratic in its length. Once expat holds a long unfinished token, input is
// kept back until a light scanner sees that token end (a '>' outside quotes, "-->", "?>",
// "]]>"), up to the limits; so parsing stays linear and a complete stanza is never held back.
//
// Restarts (RFC 6120 §4.3.3, after STARTTLS <proceed/> and SASL <success/>): call reset(). From
// inside a callback (the usual case) the reset is deferred: no further callback fires, the rest
// of the bytes of the current feed() are discarded (feed() returns how many it used), and the
// fresh parser starts with the next feed(). Bytes that followed the restart point in the same
// read are never parsed: after STARTTLS they would be plaintext injected before TLS, and a
// client must wait for <success/> before it restarts the stream.
//
// Callbacks may call reset() and stop() but must not destroy the parser or call feed(); defer
// those until feed() returns. An exception thrown by a callback stops the parser and is
// rethrown by feed() (it never crosses expat's C frames). Single-threaded.
#pragma once

#include <cadenza/stanza.hpp>

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "xml/stanza_builder.hpp"

namespace cadenza::xml {

// The stream error conditions the parser reports.
namespace stream_error {
inline constexpr std::string_view kNotWellFormed = "not-well-formed";
inline constexpr std::string_view kRestrictedXml = "restricted-xml";
inline constexpr std::string_view kPolicyViolation = "policy-violation";
inline constexpr std::string_view kInvalidNamespace = "invalid-namespace";
inline constexpr std::string_view kBadFormat = "bad-format";
inline constexpr std::string_view kUnsupportedEncoding = "unsupported-encoding";
} // namespace stream_error

struct StreamLimits {
    std::size_t max_stanza_bytes = std::size_t{256} * 1024; // c2s_stanza_size_limit, as Prosody
    std::size_t max_depth = 64;      // element nesting; a stanza's top element is 1
    std::size_t max_attributes = 64; // per element, namespace declarations included
    std::size_t max_tag_bytes = std::size_t{32} * 1024; // one start tag with its attributes
};

// The <stream:stream> element as received. Attributes that are absent are "".
struct StreamHeader {
    std::string to;
    std::string from;
    std::string id;
    std::string version;
    std::string lang;       // xml:lang
    std::string ns;         // the stream element's namespace: http://etherx.jabber.org/streams
    std::string prefix;     // its prefix, usually "stream"
    std::string default_ns; // the content namespace, e.g. jabber:client ("" when undeclared)
    // Every declaration on the element: (prefix, uri), prefix "" for the default namespace.
    std::vector<std::pair<std::string, std::string>> namespaces;
};

class StreamParser {
public:
    struct Callbacks {
        std::function<void(const StreamHeader&)> on_open;
        // Each stanza is the caller's to keep; its top element declares its namespaces (the
        // stream's default namespace included), so it serialises on its own.
        std::function<void(Stanza)> on_stanza;
        std::function<void()> on_close;
        std::function<void(std::string_view condition, std::string_view text)> on_error;
    };

    // kStream: a whole XMPP stream. kDocument: one element that is itself the stanza (used by
    // Stanza::parse); on_open and on_close never fire, and finish() ends the input.
    enum class Framing { kStream, kDocument };

    explicit StreamParser(Callbacks callbacks, StreamLimits limits = {},
                          Framing framing = Framing::kStream);
    ~StreamParser();
    StreamParser(const StreamParser&) = delete;
    StreamParser& operator=(const StreamParser&) = delete;

    // Parses `bytes`; returns how many were used: all of them unless the parser stopped
    // (error, close, stop(), reset()) on the way, in which case the rest were discarded.
    std::size_t feed(std::string_view bytes);
    // kDocument: the input is complete; reports not-well-formed if the element is unfinished.
    void finish();

    // Starts a fresh parser for a stream restart; deferred when called from a callback.
    void reset();
    // No more callbacks until reset(), e.g. after the caller sent its own stream error.
    void stop();

    bool stopped() const { return halted_; }
    bool failed() const { return failed_; }
    bool closed() const { return closed_; }
    bool header_received() const { return header_received_; }

private:
    struct Binding {
        std::string prefix; // "" for the default namespace
        std::string uri;    // "" for xmlns=''
        std::size_t depth;  // depth of the element that declared it
    };
    struct Expat;

    void create_parser();
    void do_reset();
    void halt();
    void fail(std::string_view condition, const std::string& text);
    bool check_position(std::uint64_t end);
    std::string_view lookup(std::string_view prefix) const;
    const Binding* find_binding(std::string_view prefix) const;
    void use_prefix(std::string_view prefix, std::string_view uri);
    template <typename F> void guarded(F&& body);

    // Where the input stands in XML markup, tracked byte by byte beside expat.
    enum class Markup : std::uint8_t {
        kText,
        kOpen, // after '<'
        kTag,
        kSingleQuoted,
        kDoubleQuoted,
        kBang, // after "<!"
        kComment,
        kPi,
        kCdata,
        kOther, // a declaration; taken to end at the next '>'
    };
    // Advances the scanner over `bytes`; true when it was in text at some point of them.
    bool scan(std::string_view bytes);
    // `extra` more bytes may wait in pending_ without passing a limit expat would report.
    bool may_defer(std::size_t extra) const;
    // Gives `input` to expat and runs the checks that follow; how many of its bytes were used.
    std::size_t parse(std::string_view input);

    void on_start(const char* name, const char** attributes);
    void on_end();
    void on_text(std::string_view text);
    void on_declaration(const char* prefix, const char* uri);
    void open_stream(const char* name, const char** attributes);
    void mark_consumed();

    Callbacks callbacks_;
    StreamLimits limits_;
    Framing framing_;
    std::size_t stanza_depth_; // depth of a stanza's top element: 2 in a stream, 1 in a document
    void* parser_ = nullptr;   // XML_Parser

    std::size_t depth_ = 0;           // open elements
    std::uint64_t fed_ = 0;           // bytes given to the current expat parser
    std::uint64_t consumed_ = 0;      // end of the last event expat reported
    std::uint64_t stanza_start_ = 0;  // offset of the '<' of the stanza being built
    std::uint64_t halt_position_ = 0; // end of the event during which the parser halted
    std::vector<Binding> bindings_;   // namespace declarations in scope, innermost last
    StanzaBuilder builder_;
    Markup markup_ = Markup::kText;
    int markup_run_ = 0;  // '-', '?' or ']' just seen, in a comment, PI or CDATA section
    std::string pending_; // input kept back while expat holds a long unfinished token

    bool in_feed_ = false;
    bool in_expat_ = false;
    bool halted_ = false;
    bool failed_ = false;
    bool closed_ = false;
    bool header_received_ = false;
    bool reset_requested_ = false;
    std::exception_ptr exception_;
};

} // namespace cadenza::xml
