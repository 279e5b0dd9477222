#include "xml/stanza_builder.hpp"

#include "xml/names.hpp"

#include <new>
#include <utility>

namespace cadenza::xml {

void StanzaBuilder::start_element(std::string_view qname) {
    if (!document_) {
        document_ = std::make_unique<pugi::xml_document>();
        current_ = *document_;
    }
    flush_text();
    current_ = current_.append_child(std::string(qname).c_str());
    if (!current_) {
        throw std::bad_alloc();
    }
    if (!top_) {
        top_ = current_;
    }
}

void StanzaBuilder::add_attribute(std::string_view qname, std::string_view value) {
    pugi::xml_attribute attribute = current_.append_attribute(std::string(qname).c_str());
    if (!attribute || !attribute.set_value(value.data(), value.size())) {
        throw std::bad_alloc();
    }
}

void StanzaBuilder::declare_on_top(std::string_view prefix, std::string_view uri) {
    if (declares(top_, prefix)) {
        return;
    }
    const std::string name = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
    pugi::xml_attribute attribute = top_.append_attribute(name.c_str());
    if (!attribute || !attribute.set_value(uri.data(), uri.size())) {
        throw std::bad_alloc();
    }
}

void StanzaBuilder::append_text(std::string_view text) {
    text_.append(text);
}

void StanzaBuilder::end_element() {
    flush_text();
    current_ = current_.parent();
}

Stanza StanzaBuilder::take() {
    Stanza stanza(std::move(document_));
    clear();
    return stanza;
}

void StanzaBuilder::clear() {
    document_.reset();
    top_ = {};
    current_ = {};
    // Do not let one big stanza pin its text buffer for the life of the connection.
    if (text_.capacity() > 4096) {
        std::string().swap(text_);
    }
    text_.clear();
}

void StanzaBuilder::flush_text() {
    if (text_.empty()) {
        return;
    }
    pugi::xml_node node = current_.append_child(pugi::node_pcdata);
    if (!node || !node.set_value(text_.data(), text_.size())) {
        throw std::bad_alloc();
    }
    text_.clear();
}

} // namespace cadenza::xml
