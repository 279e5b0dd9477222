#include "xml/stream_parser.hpp"

// expat declares its billion-laughs protection only when it is told the library has DTD
// support; meson checked that the library exports it.
#if defined(CADENZA_EXPAT_BILLION_LAUGHS) && !defined(XML_DTD)
#define XML_DTD 1
#endif
#include <expat.h>

#include <algorithm>
#include <new>
#include <stdexcept>

namespace cadenza::xml {
namespace {

// Expat joins URI, local name and prefix with this; it cannot occur in XML 1.0 text.
constexpr char kSeparator = '\x01';
// Input goes to expat in slices so that the size checks run before much is buffered.
constexpr std::size_t kSlice = std::size_t{16} * 1024;
// An unfinished token this long makes further input wait for its end (see the header).
constexpr std::uint64_t kDeferAfter = 256;

struct ExpandedName {
    std::string_view uri;
    std::string_view local;
    std::string_view prefix;
};

ExpandedName expand(const char* raw) {
    const std::string_view name(raw);
    const auto first = name.find(kSeparator);
    if (first == std::string_view::npos) {
        return {{}, name, {}};
    }
    const std::string_view rest = name.substr(first + 1);
    const auto second = rest.find(kSeparator);
    if (second == std::string_view::npos) {
        return {name.substr(0, first), rest, {}};
    }
    return {name.substr(0, first), rest.substr(0, second), rest.substr(second + 1)};
}

std::string qualified(const ExpandedName& name) {
    if (name.prefix.empty()) {
        return std::string(name.local);
    }
    std::string qname;
    qname.reserve(name.prefix.size() + 1 + name.local.size());
    qname.append(name.prefix).append(":").append(name.local);
    return qname;
}

bool is_whitespace(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
        return lower(x) == lower(y);
    });
}

XML_Parser as_expat(void* parser) {
    return static_cast<XML_Parser>(parser);
}

} // namespace

// Runs parser code called from expat or from feed(): exceptions must not cross expat's C
// frames, so they are kept for feed() to rethrow.
template <typename F> void StreamParser::guarded(F&& body) {
    try {
        body();
    } catch (...) {
        if (!exception_) {
            exception_ = std::current_exception();
        }
        halt();
    }
}

// Expat's C callbacks, forwarding to the parser. None lets an exception escape.
struct StreamParser::Expat {
    static StreamParser& self(void* data) { return *static_cast<StreamParser*>(data); }

    static void start(void* data, const XML_Char* name, const XML_Char** attributes) {
        StreamParser& parser = self(data);
        if (!parser.halted_) {
            parser.guarded([&] { parser.on_start(name, attributes); });
        }
    }
    static void end(void* data, const XML_Char* /*name*/) {
        StreamParser& parser = self(data);
        if (!parser.halted_) {
            parser.guarded([&] { parser.on_end(); });
        }
    }
    static void text(void* data, const XML_Char* text, int length) {
        StreamParser& parser = self(data);
        if (!parser.halted_) {
            parser.guarded(
                [&] { parser.on_text(std::string_view(text, static_cast<std::size_t>(length))); });
        }
    }
    static void declaration(void* data, const XML_Char* prefix, const XML_Char* uri) {
        StreamParser& parser = self(data);
        if (!parser.halted_) {
            parser.guarded([&] { parser.on_declaration(prefix, uri); });
        }
    }
    static void restricted(void* data, const char* what) {
        StreamParser& parser = self(data);
        parser.guarded([&] {
            parser.fail(stream_error::kRestrictedXml,
                        std::string(what) + " is not allowed on an XMPP stream (RFC 6120 §11.1)");
        });
    }
    static void comment(void* data, const XML_Char* /*text*/) { restricted(data, "a comment"); }
    static void processing_instruction(void* data, const XML_Char* /*target*/,
                                       const XML_Char* /*text*/) {
        restricted(data, "a processing instruction");
    }
    static void doctype(void* data, const XML_Char* /*name*/, const XML_Char* /*system_id*/,
                        const XML_Char* /*public_id*/, int /*has_internal_subset*/) {
        restricted(data, "a DOCTYPE");
    }
    static void entity(void* data, const XML_Char* /*name*/, int /*parameter*/,
                       const XML_Char* /*value*/, int /*length*/, const XML_Char* /*base*/,
                       const XML_Char* /*system_id*/, const XML_Char* /*public_id*/,
                       const XML_Char* /*notation*/) {
        restricted(data, "an entity declaration");
    }
    static void xml_declaration(void* data, const XML_Char* /*version*/, const XML_Char* encoding,
                                int /*standalone*/) {
        StreamParser& parser = self(data);
        parser.guarded([&] {
            parser.mark_consumed();
            // We always decode UTF-8 (RFC 6120 §11.6) whatever the declaration says.
            if (encoding != nullptr && !equals_ignoring_case(encoding, "UTF-8")) {
                parser.fail(stream_error::kUnsupportedEncoding,
                            std::string("the stream declares encoding ") + encoding +
                                "; XMPP streams are UTF-8");
            }
        });
    }
    // Everything else (prolog whitespace, CDATA markers): only the position matters.
    static void other(void* data, const XML_Char* /*text*/, int /*length*/) {
        self(data).mark_consumed();
    }
};

StreamParser::StreamParser(Callbacks callbacks, StreamLimits limits, Framing framing)
    : callbacks_(std::move(callbacks)), limits_(limits), framing_(framing),
      stanza_depth_(framing == Framing::kStream ? 2 : 1) {
    create_parser();
}

StreamParser::~StreamParser() {
    XML_ParserFree(as_expat(parser_));
}

void StreamParser::create_parser() {
    XML_Parser parser = XML_ParserCreateNS("UTF-8", kSeparator);
    if (parser == nullptr) {
        throw std::bad_alloc();
    }
    parser_ = parser;
    XML_SetUserData(parser, this);
    XML_SetReturnNSTriplet(parser, XML_TRUE);
    XML_SetElementHandler(parser, Expat::start, Expat::end);
    XML_SetCharacterDataHandler(parser, Expat::text);
    XML_SetStartNamespaceDeclHandler(parser, Expat::declaration);
    XML_SetCommentHandler(parser, Expat::comment);
    XML_SetProcessingInstructionHandler(parser, Expat::processing_instruction);
    XML_SetStartDoctypeDeclHandler(parser, Expat::doctype);
    XML_SetEntityDeclHandler(parser, Expat::entity);
    XML_SetXmlDeclHandler(parser, Expat::xml_declaration);
    XML_SetDefaultHandlerExpand(parser, Expat::other);
    XML_SetParamEntityParsing(parser, XML_PARAM_ENTITY_PARSING_NEVER);
#ifdef CADENZA_EXPAT_BILLION_LAUGHS
    // A DOCTYPE is refused before any entity exists; this is the second line of defence.
    XML_SetBillionLaughsAttackProtectionMaximumAmplification(parser, 2.0F);
    XML_SetBillionLaughsAttackProtectionActivationThreshold(parser, 64ULL * 1024);
#endif
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 6)
    // Deferral would hold a complete stanza back until more bytes arrive; max_tag_bytes bounds
    // the rescanning cost deferral exists to avoid.
    XML_SetReparseDeferralEnabled(parser, XML_FALSE);
#endif
}

std::size_t StreamParser::feed(std::string_view bytes) {
    if (in_feed_) {
        throw std::logic_error("StreamParser::feed called from one of its own callbacks");
    }
    in_feed_ = true;
    struct Leave {
        bool& flag;
        ~Leave() { flag = false; }
    } leave{in_feed_};

    std::size_t used = 0;
    while (used < bytes.size() && !halted_) {
        const std::size_t slice = std::min(bytes.size() - used, kSlice);
        const std::string_view chunk = bytes.substr(used, slice);
        const bool in_long_token = markup_ != Markup::kText && fed_ - consumed_ >= kDeferAfter;
        const bool token_ends = scan(chunk);
        if (in_long_token && !token_ends && may_defer(slice)) {
            pending_.append(chunk);
            used += slice;
            continue;
        }
        std::string joined;
        std::string_view input = chunk;
        if (!pending_.empty()) {
            joined = std::exchange(pending_, std::string());
            joined.append(chunk);
            input = joined;
        }
        // Bytes kept back from earlier calls were counted as used then.
        const std::size_t carried = input.size() - slice;
        const std::size_t taken = parse(input);
        used += taken > carried ? taken - carried : 0;
        if (taken < input.size()) {
            break;
        }
    }
    if (reset_requested_) {
        do_reset();
    }
    if (exception_) {
        std::rethrow_exception(std::exchange(exception_, nullptr));
    }
    return used;
}

std::size_t StreamParser::parse(std::string_view input) {
    const XML_Parser parser = as_expat(parser_);
    const std::uint64_t start = fed_;
    fed_ += input.size();
    in_expat_ = true;
    const XML_Status status =
        XML_Parse(parser, input.data(), static_cast<int>(input.size()), XML_FALSE);
    in_expat_ = false;
    if (halted_) {
        return static_cast<std::size_t>(std::clamp<std::uint64_t>(halt_position_, start, fed_) -
                                        start);
    }
    if (status != XML_STATUS_OK) {
        const XML_Error code = XML_GetErrorCode(parser);
        const bool encoding =
            code == XML_ERROR_UNKNOWN_ENCODING || code == XML_ERROR_INCORRECT_ENCODING;
        guarded([&] {
            fail(encoding ? stream_error::kUnsupportedEncoding : stream_error::kNotWellFormed,
                 std::string(XML_ErrorString(code)) + " at line " +
                     std::to_string(XML_GetCurrentLineNumber(parser)) + ", column " +
                     std::to_string(XML_GetCurrentColumnNumber(parser)));
        });
        return input.size();
    }
    // What expat holds without having reported it is an unfinished token.
    if (fed_ - consumed_ > limits_.max_tag_bytes) {
        guarded([&] {
            fail(stream_error::kPolicyViolation,
                 "a tag longer than " + std::to_string(limits_.max_tag_bytes) + " bytes");
        });
        return input.size();
    }
    if (depth_ >= stanza_depth_) {
        guarded([&] { check_position(fed_); });
    }
    return input.size();
}

bool StreamParser::may_defer(std::size_t extra) const {
    const std::uint64_t end = fed_ + pending_.size() + extra;
    if (end - consumed_ > limits_.max_tag_bytes) {
        return false;
    }
    return depth_ < stanza_depth_ || end - stanza_start_ <= limits_.max_stanza_bytes;
}

bool StreamParser::scan(std::string_view bytes) {
    bool text = markup_ == Markup::kText;
    for (const char c : bytes) {
        switch (markup_) {
        case Markup::kText:
            markup_ = c == '<' ? Markup::kOpen : Markup::kText;
            break;
        case Markup::kOpen:
            markup_ = c == '!' ? Markup::kBang
                      : c == '?' ? Markup::kPi
                      : c == '>' ? Markup::kText
                                 : Markup::kTag;
            markup_run_ = 0;
            break;
        case Markup::kTag:
            markup_ = c == '\'' ? Markup::kSingleQuoted
                      : c == '"' ? Markup::kDoubleQuoted
                      : c == '>' ? Markup::kText
                                 : Markup::kTag;
            break;
        case Markup::kSingleQuoted:
            markup_ = c == '\'' ? Markup::kTag : markup_;
            break;
        case Markup::kDoubleQuoted:
            markup_ = c == '"' ? Markup::kTag : markup_;
            break;
        case Markup::kBang:
            markup_ = c == '-' ? Markup::kComment
                      : c == '[' ? Markup::kCdata
                      : c == '>' ? Markup::kText
                                 : Markup::kOther;
            markup_run_ = c == '-' ? 1 : 0;
            break;
        case Markup::kComment:
        case Markup::kCdata: {
            // "-->" and "]]>"; ending too early only means parsing sooner.
            const char mark = markup_ == Markup::kComment ? '-' : ']';
            if (c == '>' && markup_run_ >= 2) {
                markup_ = Markup::kText;
            }
            markup_run_ = c == mark ? markup_run_ + 1 : 0;
            break;
        }
        case Markup::kPi:
            if (c == '>' && markup_run_ > 0) {
                markup_ = Markup::kText;
            }
            markup_run_ = c == '?' ? 1 : 0;
            break;
        case Markup::kOther:
            markup_ = c == '>' ? Markup::kText : markup_;
            break;
        }
        text = text || markup_ == Markup::kText;
    }
    return text;
}

void StreamParser::finish() {
    if (halted_ || in_feed_) {
        return;
    }
    if (!pending_.empty()) {
        parse(std::exchange(pending_, std::string()));
        if (halted_) {
            if (exception_) {
                std::rethrow_exception(std::exchange(exception_, nullptr));
            }
            return;
        }
    }
    in_expat_ = true;
    const XML_Status status = XML_Parse(as_expat(parser_), nullptr, 0, XML_TRUE);
    in_expat_ = false;
    if (!halted_ && status != XML_STATUS_OK) {
        const XML_Error code = XML_GetErrorCode(as_expat(parser_));
        guarded([&] { fail(stream_error::kNotWellFormed, XML_ErrorString(code)); });
    }
    if (exception_) {
        std::rethrow_exception(std::exchange(exception_, nullptr));
    }
}

void StreamParser::reset() {
    if (in_feed_) {
        reset_requested_ = true;
        halt();
    } else {
        do_reset();
    }
}

void StreamParser::stop() {
    halt();
}

void StreamParser::do_reset() {
    XML_ParserFree(as_expat(parser_));
    parser_ = nullptr;
    depth_ = 0;
    fed_ = 0;
    consumed_ = 0;
    stanza_start_ = 0;
    halt_position_ = 0;
    markup_ = Markup::kText;
    markup_run_ = 0;
    pending_.clear();
    bindings_.clear();
    builder_.clear();
    halted_ = false;
    failed_ = false;
    closed_ = false;
    header_received_ = false;
    reset_requested_ = false;
    create_parser();
}

void StreamParser::halt() {
    if (halted_) {
        return;
    }
    halted_ = true;
    if (in_expat_) {
        const XML_Parser parser = as_expat(parser_);
        halt_position_ = static_cast<std::uint64_t>(XML_GetCurrentByteIndex(parser)) +
                         static_cast<std::uint64_t>(XML_GetCurrentByteCount(parser));
        XML_StopParser(parser, XML_FALSE);
    }
}

void StreamParser::fail(std::string_view condition, const std::string& text) {
    if (halted_) {
        return;
    }
    failed_ = true;
    halt();
    builder_.clear();
    if (callbacks_.on_error) {
        callbacks_.on_error(condition, text);
    }
}

void StreamParser::mark_consumed() {
    const XML_Parser parser = as_expat(parser_);
    const auto end = static_cast<std::uint64_t>(XML_GetCurrentByteIndex(parser)) +
                     static_cast<std::uint64_t>(XML_GetCurrentByteCount(parser));
    consumed_ = std::max(consumed_, end);
}

bool StreamParser::check_position(std::uint64_t end) {
    if (depth_ >= stanza_depth_ && end - stanza_start_ > limits_.max_stanza_bytes) {
        fail(stream_error::kPolicyViolation,
             "a stanza larger than " + std::to_string(limits_.max_stanza_bytes) + " bytes");
        return false;
    }
    return true;
}

const StreamParser::Binding* StreamParser::find_binding(std::string_view prefix) const {
    const auto it =
        std::find_if(bindings_.rbegin(), bindings_.rend(),
                     [prefix](const Binding& binding) { return binding.prefix == prefix; });
    return it == bindings_.rend() ? nullptr : &*it;
}

std::string_view StreamParser::lookup(std::string_view prefix) const {
    const Binding* binding = find_binding(prefix);
    return binding != nullptr ? std::string_view(binding->uri) : std::string_view();
}

void StreamParser::use_prefix(std::string_view prefix, std::string_view uri) {
    if (prefix.empty() || prefix == "xml") {
        return;
    }
    // Declared outside the stanza (on the stream header): the stanza must carry it itself.
    const Binding* binding = find_binding(prefix);
    if (binding != nullptr && binding->depth < stanza_depth_) {
        builder_.declare_on_top(prefix, uri);
    }
}

void StreamParser::on_declaration(const char* prefix, const char* uri) {
    mark_consumed();
    // Expat reports an element's declarations just before the element itself.
    bindings_.push_back(
        Binding{prefix != nullptr ? prefix : "", uri != nullptr ? uri : "", depth_ + 1});
}

void StreamParser::on_start(const char* name, const char** attributes) {
    mark_consumed();
    ++depth_;
    const XML_Parser parser = as_expat(parser_);
    if (static_cast<std::size_t>(XML_GetCurrentByteCount(parser)) > limits_.max_tag_bytes) {
        fail(stream_error::kPolicyViolation,
             "a tag longer than " + std::to_string(limits_.max_tag_bytes) + " bytes");
        return;
    }
    std::size_t declared = 0;
    bool declares_default = false;
    for (auto it = bindings_.rbegin(); it != bindings_.rend() && it->depth == depth_; ++it) {
        ++declared;
        declares_default = declares_default || it->prefix.empty();
    }
    std::size_t count = declared;
    for (const char** attribute = attributes; *attribute != nullptr; attribute += 2) {
        ++count;
    }
    if (count > limits_.max_attributes) {
        fail(stream_error::kPolicyViolation,
             "an element with more than " + std::to_string(limits_.max_attributes) + " attributes");
        return;
    }
    if (framing_ == Framing::kStream && depth_ == 1) {
        open_stream(name, attributes);
        return;
    }
    if (depth_ == stanza_depth_) {
        stanza_start_ = static_cast<std::uint64_t>(XML_GetCurrentByteIndex(parser));
    }
    if (depth_ - stanza_depth_ + 1 > limits_.max_depth) {
        fail(stream_error::kPolicyViolation,
             "elements nested deeper than " + std::to_string(limits_.max_depth));
        return;
    }
    if (!check_position(consumed_)) {
        return;
    }

    const ExpandedName element = expand(name);
    builder_.start_element(qualified(element));
    if (depth_ == stanza_depth_ && !declares_default) {
        // The stanza inherits the stream's default namespace; it must say so itself.
        if (const std::string_view inherited = lookup({}); !inherited.empty()) {
            builder_.add_attribute("xmlns", inherited);
        }
    }
    for (std::size_t i = bindings_.size() - declared; i < bindings_.size(); ++i) {
        const Binding& binding = bindings_[i];
        builder_.add_attribute(binding.prefix.empty() ? "xmlns" : "xmlns:" + binding.prefix,
                               binding.uri);
    }
    use_prefix(element.prefix, element.uri);
    for (const char** attribute = attributes; *attribute != nullptr; attribute += 2) {
        const ExpandedName attribute_name = expand(attribute[0]);
        builder_.add_attribute(qualified(attribute_name), attribute[1]);
        use_prefix(attribute_name.prefix, attribute_name.uri);
    }
}

void StreamParser::open_stream(const char* name, const char** attributes) {
    const ExpandedName element = expand(name);
    if (element.uri != xmlns::kStreams || element.local != "stream") {
        fail(stream_error::kInvalidNamespace,
             "the stream must open with <stream:stream xmlns:stream='" +
                 std::string(xmlns::kStreams) + "'>, not {" + std::string(element.uri) + "}" +
                 std::string(element.local));
        return;
    }
    StreamHeader header;
    header.ns = element.uri;
    header.prefix = element.prefix;
    for (const char** attribute = attributes; *attribute != nullptr; attribute += 2) {
        const ExpandedName attribute_name = expand(attribute[0]);
        const std::string_view local = attribute_name.local;
        if (attribute_name.uri.empty()) {
            if (local == "to") {
                header.to = attribute[1];
            } else if (local == "from") {
                header.from = attribute[1];
            } else if (local == "id") {
                header.id = attribute[1];
            } else if (local == "version") {
                header.version = attribute[1];
            }
        } else if (attribute_name.uri == xmlns::kXml && local == "lang") {
            header.lang = attribute[1];
        }
    }
    for (const Binding& binding : bindings_) {
        header.namespaces.emplace_back(binding.prefix, binding.uri);
    }
    header.default_ns = lookup({});
    header_received_ = true;
    if (callbacks_.on_open) {
        callbacks_.on_open(header);
    }
}

void StreamParser::on_end() {
    mark_consumed();
    if (framing_ == Framing::kStream && depth_ == 1) {
        bindings_.clear();
        depth_ = 0;
        closed_ = true;
        halt();
        if (callbacks_.on_close) {
            callbacks_.on_close();
        }
        return;
    }
    if (!check_position(consumed_)) {
        return;
    }
    builder_.end_element();
    while (!bindings_.empty() && bindings_.back().depth == depth_) {
        bindings_.pop_back();
    }
    const bool top = depth_ == stanza_depth_;
    --depth_;
    if (top) {
        Stanza stanza = builder_.take();
        if (callbacks_.on_stanza) {
            callbacks_.on_stanza(std::move(stanza));
        }
    }
}

void StreamParser::on_text(std::string_view text) {
    mark_consumed();
    if (depth_ >= stanza_depth_) {
        if (check_position(consumed_)) {
            builder_.append_text(text);
        }
    } else if (!is_whitespace(text)) {
        fail(stream_error::kBadFormat, "character data between stanzas");
    }
}

} // namespace cadenza::xml
