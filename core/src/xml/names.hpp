// Qualified names and namespace lookup over pugixml trees, where names are kept as written
// ("x:foo") and namespaces are declared by xmlns / xmlns:x attributes.
#pragma once

#include <pugixml.hpp>

#include <string_view>
#include <vector>

namespace cadenza::xml {

struct QName {
    std::string_view prefix; // "" when unprefixed
    std::string_view local;
};
QName split_qname(std::string_view qname);

// "xmlns" -> {true, ""}, "xmlns:x" -> {true, "x"}, anything else -> {false, ""}.
struct Declaration {
    bool is_declaration = false;
    std::string_view prefix;
};
Declaration as_declaration(std::string_view attribute_name);

// The namespace URI `prefix` ("" = default) is bound to at `element`, walking up its ancestors.
// "" when unbound. The xml prefix is always bound.
std::string_view lookup_namespace(pugi::xml_node element, std::string_view prefix);

// Does `element` itself declare `prefix`?
bool declares(pugi::xml_node element, std::string_view prefix);

// Every prefix whose binding matters inside the subtree of `element`: "" (the default
// namespace) first, then the prefixes of element and attribute names, without xml and
// duplicates. Iterative, so deep trees are fine.
std::vector<std::string_view> used_prefixes(pugi::xml_node element);

// Attribute of `element` named exactly `name`, or an empty attribute.
pugi::xml_attribute find_attribute(pugi::xml_node element, std::string_view name);

} // namespace cadenza::xml
