// Builds one Stanza's pugixml tree from parser events. The stream parser decides names and
// namespace declarations; this only assembles the tree and merges adjacent character data.
#pragma once

#include <cadenza/stanza.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace cadenza::xml {

class StanzaBuilder {
public:
    bool building() const { return static_cast<bool>(document_); }

    // Opens an element: the stanza's top element when nothing is being built, else a child of
    // the innermost open element.
    void start_element(std::string_view qname);
    // Adds an attribute to the element just opened.
    void add_attribute(std::string_view qname, std::string_view value);
    // Declares xmlns:prefix='uri' (xmlns for "") on the top element unless it already does.
    void declare_on_top(std::string_view prefix, std::string_view uri);
    void append_text(std::string_view text);
    void end_element();
    // The finished stanza, once its top element has ended; the builder is then empty again.
    Stanza take();
    void clear();

private:
    void flush_text();

    std::unique_ptr<pugi::xml_document> document_;
    pugi::xml_node top_;
    pugi::xml_node current_;
    std::string text_; // character data not yet stored, merged across parser events
};

} // namespace cadenza::xml
