// Writes pugixml element trees as compact XML that our own parser accepts: escapes markup
// characters, and replaces invalid UTF-8 and characters XML 1.0 forbids with U+FFFD.
#pragma once

#include <pugixml.hpp>

#include <string>
#include <string_view>

namespace cadenza::xml {

// Character data: & < > " escaped, CR as &#xD; so that it survives line-end normalisation.
void append_escaped_text(std::string& out, std::string_view text);
// Attribute value for a '-quoted attribute: & < > " ' escaped, and TAB, LF, CR as character
// references so that attribute-value normalisation keeps them.
void append_escaped_attribute(std::string& out, std::string_view value);

// `element` and its subtree. Only elements and character data (pcdata, cdata) are written;
// comments, processing instructions and declarations are skipped. When `element` has a parent
// element, the namespace declarations it inherits from its ancestors are added to it.
void append_element(std::string& out, pugi::xml_node element);

} // namespace cadenza::xml
