// XMPP stanzas: XML element trees with namespaces, thin over pugixml.
//
// A Stanza owns one pugixml document whose single top element is the stanza (<message/>,
// <iq/>, <presence/>, <stream:features/>...). The top element always carries the namespace
// declarations it needs (its default namespace, e.g. xmlns='jabber:client', and any prefix it
// or its descendants use), so a stanza can be serialised, stored and parsed again on its own.
// Names are kept as written: "x:foo" with an xmlns:x attribute stays "x:foo"; the accessors
// below resolve prefixes and xmlns declarations, so code asks by (local name, namespace URI).
//
// Ownership and lifetime:
//  - Stanza is movable, not copyable; clone() makes a deep copy. Moving a Stanza keeps every
//    Element handle into it valid (the document lives on the heap); destroying it invalidates
//    them.
//  - Element is a non-owning handle (a pugi::xml_node), cheap to copy, valid while its Stanza
//    lives and the element is not removed. A default Element is null: accessors on it return
//    empty values and building calls do nothing.
//  - std::string_view results point into the tree: valid until that value is changed or the
//    Stanza destroyed. Copy them to keep them.
//  - A `const Stanza&` handed to a hook is borrowed for the call and must not be modified
//    (pugixml handles cannot enforce const: it is the convention). Clone it to change it.
//  - Not thread-safe; use a stanza on one thread at a time.
//  - Each Stanza holds at least one 32 KiB pugixml memory page: fine for stanzas in flight,
//    wasteful for long-lived collections (history, queues), which should keep serialize()d
//    strings and parse() them back.
//
// Text given to set_text/set_attr is stored as is; serialize() escapes what XML requires and
// replaces invalid UTF-8 and characters XML 1.0 forbids (e.g. U+0001) with U+FFFD, so its
// output always parses. Element and attribute names are trusted: pass valid XML names.
#pragma once

#include <pugixml.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace cadenza {

// Namespaces XMPP code names every day.
namespace xmlns {
inline constexpr std::string_view kClient = "jabber:client";
inline constexpr std::string_view kServer = "jabber:server";
inline constexpr std::string_view kComponent = "jabber:component:accept";
inline constexpr std::string_view kStreams = "http://etherx.jabber.org/streams";
inline constexpr std::string_view kStanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
inline constexpr std::string_view kStreamErrors = "urn:ietf:params:xml:ns:xmpp-streams";
inline constexpr std::string_view kXml = "http://www.w3.org/XML/1998/namespace";
} // namespace xmlns

// A handle to one element of a Stanza's tree (lifetime rules above).
class Element {
public:
    Element() = default;
    explicit Element(pugi::xml_node node)
        : node_(node.type() == pugi::node_element ? node : pugi::xml_node()) {}

    explicit operator bool() const { return !node_.empty(); }
    bool operator==(const Element& other) const { return node_ == other.node_; }

    // Local name ("foo" for <x:foo/>), prefix ("x", or "" when unprefixed) and the namespace URI
    // the prefix (or the default namespace) resolves to here; "" when there is none.
    std::string_view name() const;
    std::string_view prefix() const;
    std::string_view ns() const;
    // Namespace URI `prefix` resolves to at this element ("" = the default namespace).
    std::string_view lookup_ns(std::string_view prefix) const;

    // Unprefixed attributes by name; "xml:lang" works too. attr() is "" when absent.
    std::string_view attr(std::string_view name) const;
    bool has_attr(std::string_view name) const;
    Element set_attr(std::string_view name, std::string_view value); // adds or replaces
    Element remove_attr(std::string_view name);

    // Child elements by local name and namespace URI (ns "" = no namespace).
    Element child(std::string_view name, std::string_view ns) const;
    std::vector<Element> children(std::string_view name, std::string_view ns) const;
    std::vector<Element> children() const; // every child element, in order
    Element first_child() const;           // first child element, or null
    Element parent() const;                // null for the top element

    // Concatenated character data of this element (not of its descendants).
    std::string text() const;
    // text() of child(name, ns); "" when there is no such child.
    std::string child_text(std::string_view name, std::string_view ns) const;

    // Appends <name/> in namespace `ns`, declaring xmlns='ns' on it when the default namespace
    // in scope differs. Returns the new child.
    Element add_child(std::string_view name, std::string_view ns);
    // Appends a deep copy of `source` (from any stanza), adding the namespace declarations it
    // inherited at its old place so that it keeps its meaning here. Returns the copy.
    Element append_copy(Element source);
    // Replaces the character data of this element with `text` (child elements stay).
    Element set_text(std::string_view text);
    // Appends character data after the existing children.
    Element add_text(std::string_view text);
    // Removes `child` (and its subtree) if it is a child of this element.
    bool remove_child(Element child);

    // Compact XML of this element and its subtree, declaring the namespaces it inherits.
    std::string serialize() const;

    // The underlying pugixml node, for anything not covered here.
    pugi::xml_node node() const { return node_; }

private:
    pugi::xml_node node_;
};

// One stanza, or any standalone element: owns its tree.
class Stanza {
public:
    Stanza(); // empty: no element; operator bool is false
    ~Stanza();
    Stanza(Stanza&&) noexcept;
    Stanza& operator=(Stanza&&) noexcept;
    Stanza(const Stanza&) = delete;
    Stanza& operator=(const Stanza&) = delete;

    // Takes a document whose first element child is the stanza (used by the stream parser).
    explicit Stanza(std::unique_ptr<pugi::xml_document> document);

    // <name xmlns='ns'/>, e.g. Stanza::make("iq", xmlns::kClient).
    static Stanza make(std::string_view name, std::string_view ns);
    // Parses one XML element (stored payloads, tests) under the stream's rules: namespaces
    // checked, no DOCTYPE, comments or processing instructions, nesting at most 64 deep. On
    // failure returns an empty Stanza and, when `error` is given, sets it to the reason.
    static Stanza parse(std::string_view xml, std::string* error = nullptr);

    Stanza clone() const;
    explicit operator bool() const;

    // The top element (null for an empty Stanza).
    Element root() const;

    // Shortcuts for root().
    std::string_view name() const { return root().name(); }
    std::string_view ns() const { return root().ns(); }
    std::string_view attr(std::string_view name) const { return root().attr(name); }
    bool has_attr(std::string_view name) const { return root().has_attr(name); }
    Element set_attr(std::string_view name, std::string_view value) {
        return root().set_attr(name, value);
    }
    Element remove_attr(std::string_view name) { return root().remove_attr(name); }
    Element child(std::string_view name, std::string_view ns) const {
        return root().child(name, ns);
    }
    std::vector<Element> children(std::string_view name, std::string_view ns) const {
        return root().children(name, ns);
    }
    std::vector<Element> children() const { return root().children(); }
    std::string text() const { return root().text(); }
    std::string child_text(std::string_view name, std::string_view ns) const {
        return root().child_text(name, ns);
    }
    Element add_child(std::string_view name, std::string_view ns) {
        return root().add_child(name, ns);
    }
    Element append_copy(Element source) { return root().append_copy(source); }
    Element set_text(std::string_view text) { return root().set_text(text); }
    std::string serialize() const; // "" for an empty Stanza
    pugi::xml_node node() const { return root().node(); }
    // The owned document (nullptr for an empty Stanza).
    pugi::xml_document* document() const { return document_.get(); }

private:
    std::unique_ptr<pugi::xml_document> document_;
};

// An RFC 6120 §8.3 error reply to `request`: same element name and namespace, id kept, to and
// from swapped, type='error', and
//   <error type='{type}'><{condition} xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>
//     <text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>{text}</text></error>
// (<text/> only when `text` is not empty). `type` is cancel, continue, modify, auth or wait;
// `condition` an RFC 6120 §8.3.3 name such as item-not-found. The request's payload is not
// copied. Never answer a stanza whose type is already 'error' (RFC 6120 §8.3.1).
Stanza make_error_reply(const Stanza& request, std::string_view type, std::string_view condition,
                        std::string_view text = {});

} // namespace cadenza
