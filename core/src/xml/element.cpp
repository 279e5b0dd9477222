#include <cadenza/stanza.hpp>

#include "xml/names.hpp"
#include "xml/serializer.hpp"

#include <new>

namespace cadenza {
namespace {

bool is_text(pugi::xml_node node) {
    return node.type() == pugi::node_pcdata || node.type() == pugi::node_cdata;
}

bool matches(pugi::xml_node node, std::string_view name, std::string_view ns) {
    if (node.type() != pugi::node_element || xml::split_qname(node.name()).local != name) {
        return false;
    }
    return Element(node).ns() == ns;
}

// pugixml reports allocation failure with a null handle; we report it the C++ way.
pugi::xml_node checked(pugi::xml_node node) {
    if (!node) {
        throw std::bad_alloc();
    }
    return node;
}

pugi::xml_attribute checked(pugi::xml_attribute attribute) {
    if (!attribute) {
        throw std::bad_alloc();
    }
    return attribute;
}

void set_attribute(pugi::xml_node element, std::string_view name, std::string_view value) {
    pugi::xml_attribute attribute = xml::find_attribute(element, name);
    if (!attribute) {
        attribute = checked(element.append_attribute(std::string(name).c_str()));
    }
    if (!attribute.set_value(value.data(), value.size())) {
        throw std::bad_alloc();
    }
}

} // namespace

std::string_view Element::name() const {
    return xml::split_qname(node_.name()).local;
}

std::string_view Element::prefix() const {
    return xml::split_qname(node_.name()).prefix;
}

std::string_view Element::ns() const {
    return node_ ? xml::lookup_namespace(node_, prefix()) : std::string_view();
}

std::string_view Element::lookup_ns(std::string_view prefix) const {
    return node_ ? xml::lookup_namespace(node_, prefix) : std::string_view();
}

std::string_view Element::attr(std::string_view name) const {
    return xml::find_attribute(node_, name).value();
}

bool Element::has_attr(std::string_view name) const {
    return static_cast<bool>(xml::find_attribute(node_, name));
}

Element Element::set_attr(std::string_view name, std::string_view value) {
    if (node_) {
        set_attribute(node_, name, value);
    }
    return *this;
}

Element Element::remove_attr(std::string_view name) {
    if (const pugi::xml_attribute attribute = xml::find_attribute(node_, name)) {
        node_.remove_attribute(attribute);
    }
    return *this;
}

Element Element::child(std::string_view name, std::string_view ns) const {
    for (const pugi::xml_node node : node_.children()) {
        if (matches(node, name, ns)) {
            return Element(node);
        }
    }
    return {};
}

std::vector<Element> Element::children(std::string_view name, std::string_view ns) const {
    std::vector<Element> found;
    for (const pugi::xml_node node : node_.children()) {
        if (matches(node, name, ns)) {
            found.emplace_back(node);
        }
    }
    return found;
}

std::vector<Element> Element::children() const {
    std::vector<Element> found;
    for (const pugi::xml_node node : node_.children()) {
        if (node.type() == pugi::node_element) {
            found.emplace_back(node);
        }
    }
    return found;
}

Element Element::first_child() const {
    for (const pugi::xml_node node : node_.children()) {
        if (node.type() == pugi::node_element) {
            return Element(node);
        }
    }
    return {};
}

Element Element::parent() const {
    return Element(node_.parent());
}

std::string Element::text() const {
    std::string text;
    for (const pugi::xml_node node : node_.children()) {
        if (is_text(node)) {
            text += node.value();
        }
    }
    return text;
}

std::string Element::child_text(std::string_view name, std::string_view ns) const {
    return child(name, ns).text();
}

Element Element::add_child(std::string_view name, std::string_view ns) {
    if (!node_) {
        return {};
    }
    const std::string_view inherited = xml::lookup_namespace(node_, {});
    Element added(checked(node_.append_child(std::string(name).c_str())));
    if (inherited != ns) {
        set_attribute(added.node_, "xmlns", ns);
    }
    return added;
}

Element Element::append_copy(Element source) {
    if (!node_ || !source) {
        return {};
    }
    Element copy(checked(node_.append_copy(source.node_)));
    // The copy lost the declarations it inherited at its old place; restore those whose
    // binding differs here (xmlns='' included, to undo a default namespace in scope here).
    for (const std::string_view prefix : xml::used_prefixes(source.node_)) {
        const std::string_view wanted = xml::lookup_namespace(source.node_, prefix);
        if (xml::lookup_namespace(copy.node_, prefix) != wanted &&
            (prefix.empty() || !wanted.empty())) {
            const std::string name = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
            set_attribute(copy.node_, name, wanted);
        }
    }
    return copy;
}

Element Element::set_text(std::string_view text) {
    if (!node_) {
        return *this;
    }
    for (pugi::xml_node node = node_.first_child(); node;) {
        const pugi::xml_node next = node.next_sibling();
        if (is_text(node)) {
            node_.remove_child(node);
        }
        node = next;
    }
    if (!text.empty()) {
        add_text(text);
    }
    return *this;
}

Element Element::add_text(std::string_view text) {
    if (node_ && !text.empty()) {
        pugi::xml_node node = checked(node_.append_child(pugi::node_pcdata));
        if (!node.set_value(text.data(), text.size())) {
            throw std::bad_alloc();
        }
    }
    return *this;
}

bool Element::remove_child(Element child) {
    return child && child.node_.parent() == node_ && node_.remove_child(child.node_);
}

std::string Element::serialize() const {
    std::string out;
    xml::append_element(out, node_);
    return out;
}

} // namespace cadenza
