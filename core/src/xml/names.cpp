#include "xml/names.hpp"

#include <cadenza/stanza.hpp>

#include <algorithm>

namespace cadenza::xml {

QName split_qname(std::string_view qname) {
    const auto colon = qname.find(':');
    if (colon == std::string_view::npos) {
        return {{}, qname};
    }
    return {qname.substr(0, colon), qname.substr(colon + 1)};
}

Declaration as_declaration(std::string_view attribute_name) {
    constexpr std::string_view kXmlns = "xmlns";
    if (attribute_name.substr(0, kXmlns.size()) != kXmlns) {
        return {};
    }
    if (attribute_name.size() == kXmlns.size()) {
        return {true, {}};
    }
    if (attribute_name[kXmlns.size()] == ':') {
        return {true, attribute_name.substr(kXmlns.size() + 1)};
    }
    return {};
}

bool declares(pugi::xml_node element, std::string_view prefix) {
    for (const pugi::xml_attribute attribute : element.attributes()) {
        const Declaration declaration = as_declaration(attribute.name());
        if (declaration.is_declaration && declaration.prefix == prefix) {
            return true;
        }
    }
    return false;
}

std::string_view lookup_namespace(pugi::xml_node element, std::string_view prefix) {
    if (prefix == "xml") {
        return xmlns::kXml;
    }
    for (pugi::xml_node node = element; node.type() == pugi::node_element; node = node.parent()) {
        for (const pugi::xml_attribute attribute : node.attributes()) {
            const Declaration declaration = as_declaration(attribute.name());
            if (declaration.is_declaration && declaration.prefix == prefix) {
                return attribute.value();
            }
        }
    }
    return {};
}

std::vector<std::string_view> used_prefixes(pugi::xml_node element) {
    std::vector<std::string_view> prefixes{std::string_view()};
    const auto note = [&prefixes](std::string_view prefix) {
        if (!prefix.empty() && prefix != "xml" &&
            std::find(prefixes.begin(), prefixes.end(), prefix) == prefixes.end()) {
            prefixes.push_back(prefix);
        }
    };
    pugi::xml_node node = element;
    while (node) {
        if (node.type() == pugi::node_element) {
            note(split_qname(node.name()).prefix);
            for (const pugi::xml_attribute attribute : node.attributes()) {
                if (!as_declaration(attribute.name()).is_declaration) {
                    note(split_qname(attribute.name()).prefix);
                }
            }
        }
        // Depth-first walk without recursion, never leaving the subtree.
        if (node.first_child()) {
            node = node.first_child();
            continue;
        }
        while (node != element && !node.next_sibling()) {
            node = node.parent();
        }
        node = node == element ? pugi::xml_node() : node.next_sibling();
    }
    return prefixes;
}

pugi::xml_attribute find_attribute(pugi::xml_node element, std::string_view name) {
    for (const pugi::xml_attribute attribute : element.attributes()) {
        if (name == attribute.name()) {
            return attribute;
        }
    }
    return {};
}

} // namespace cadenza::xml
