#include <cadenza/stanza.hpp>

#include "xml/serializer.hpp"

#include <new>
#include <utility>

namespace cadenza {

Stanza::Stanza() = default;
Stanza::~Stanza() = default;
Stanza::Stanza(Stanza&&) noexcept = default;
Stanza& Stanza::operator=(Stanza&&) noexcept = default;

Stanza::Stanza(std::unique_ptr<pugi::xml_document> document) : document_(std::move(document)) {}

Stanza Stanza::make(std::string_view name, std::string_view ns) {
    auto document = std::make_unique<pugi::xml_document>();
    pugi::xml_node top = document->append_child(std::string(name).c_str());
    if (!top) {
        throw std::bad_alloc();
    }
    Stanza stanza(std::move(document));
    if (!ns.empty()) {
        stanza.root().set_attr("xmlns", ns);
    }
    return stanza;
}

Stanza Stanza::clone() const {
    if (!document_) {
        return {};
    }
    auto document = std::make_unique<pugi::xml_document>();
    if (!document->append_copy(root().node())) {
        throw std::bad_alloc();
    }
    return Stanza(std::move(document));
}

Stanza::operator bool() const {
    return static_cast<bool>(root());
}

Element Stanza::root() const {
    if (!document_) {
        return {};
    }
    return Element(document_->document_element());
}

std::string Stanza::serialize() const {
    return root().serialize();
}

Stanza make_error_reply(const Stanza& request, std::string_view type, std::string_view condition,
                        std::string_view text) {
    const std::string_view ns = request.ns();
    Stanza reply = Stanza::make(request.name(), ns);
    if (request.has_attr("id")) {
        reply.set_attr("id", request.attr("id"));
    }
    reply.set_attr("type", "error");
    if (request.has_attr("from")) {
        reply.set_attr("to", request.attr("from"));
    }
    if (request.has_attr("to")) {
        reply.set_attr("from", request.attr("to"));
    }
    Element error = reply.add_child("error", ns).set_attr("type", type);
    error.add_child(condition, xmlns::kStanzas);
    if (!text.empty()) {
        error.add_child("text", xmlns::kStanzas).set_text(text);
    }
    return reply;
}

} // namespace cadenza
