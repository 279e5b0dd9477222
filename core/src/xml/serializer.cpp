#include "xml/serializer.hpp"

#include "xml/names.hpp"

#include <cstdint>

namespace cadenza::xml {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD"; // U+FFFD

bool is_xml_char(std::uint32_t c) {
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) ||
           (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
}

// Length of the valid, XML-allowed UTF-8 sequence starting at text[i], or 0.
std::size_t valid_sequence_length(std::string_view text, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
    const unsigned char lead = byte(i);
    std::size_t length = 0;
    std::uint32_t c = 0;
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        c = lead & 0x1Fu;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        c = lead & 0x0Fu;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        c = lead & 0x07u;
    } else {
        return 0;
    }
    if (i + length > text.size()) {
        return 0;
    }
    for (std::size_t k = 1; k < length; ++k) {
        if ((byte(i + k) & 0xC0u) != 0x80u) {
            return 0;
        }
        c = (c << 6) | (byte(i + k) & 0x3Fu);
    }
    // Overlong forms and surrogates fail here as well as the characters XML forbids.
    const bool overlong = (length == 3 && c < 0x800) || (length == 4 && c < 0x10000);
    return !overlong && is_xml_char(c) ? length : 0;
}

template <bool kAttribute> bool is_plain(unsigned char c) {
    return c >= 0x20 && c < 0x80 && c != '&' && c != '<' && c != '>' && c != '"' &&
           (!kAttribute || c != '\'');
}

template <bool kAttribute> void append_escaped(std::string& out, std::string_view text) {
    out.reserve(out.size() + text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        // Copy runs of plain ASCII in one go; most text is mostly that.
        std::size_t run = i;
        while (run < text.size() && is_plain<kAttribute>(static_cast<unsigned char>(text[run]))) {
            ++run;
        }
        out.append(text.substr(i, run - i));
        i = run;
        if (i == text.size()) {
            break;
        }
        const auto c = static_cast<unsigned char>(text[i]);
        if (c >= 0x80) {
            const std::size_t length = valid_sequence_length(text, i);
            if (length == 0) {
                out += kReplacement;
                ++i;
            } else {
                out.append(text.substr(i, length));
                i += length;
            }
            continue;
        }
        switch (c) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += kAttribute ? "&apos;" : "'";
            break;
        case '\r':
            out += "&#xD;";
            break;
        case '\n':
            out += kAttribute ? "&#xA;" : "\n";
            break;
        case '\t':
            out += kAttribute ? "&#x9;" : "\t";
            break;
        default:
            // C0 controls other than TAB, LF and CR are not XML 1.0 characters at all.
            if (c < 0x20) {
                out += kReplacement;
            } else {
                out += static_cast<char>(c);
            }
        }
        ++i;
    }
}

void append_attribute(std::string& out, std::string_view name, std::string_view value) {
    out += ' ';
    out += name;
    out += "='";
    append_escaped_attribute(out, value);
    out += '\'';
}

// Writes the start tag; returns whether the element has children (and so needs an end tag).
bool append_start_tag(std::string& out, pugi::xml_node element, bool declare_inherited) {
    out += '<';
    out += element.name();
    if (declare_inherited) {
        const pugi::xml_node parent = element.parent();
        for (const std::string_view prefix : used_prefixes(element)) {
            if (declares(element, prefix)) {
                continue;
            }
            const std::string_view uri = lookup_namespace(parent, prefix);
            if (uri.empty()) {
                continue;
            }
            out += prefix.empty() ? " xmlns" : " xmlns:";
            out += prefix;
            out += "='";
            append_escaped_attribute(out, uri);
            out += '\'';
        }
    }
    for (const pugi::xml_attribute attribute : element.attributes()) {
        append_attribute(out, attribute.name(), attribute.value());
    }
    if (!element.first_child()) {
        out += "/>";
        return false;
    }
    out += '>';
    return true;
}

void append_end_tag(std::string& out, pugi::xml_node element) {
    out += "</";
    out += element.name();
    out += '>';
}

} // namespace

void append_escaped_text(std::string& out, std::string_view text) {
    append_escaped<false>(out, text);
}

void append_escaped_attribute(std::string& out, std::string_view value) {
    append_escaped<true>(out, value);
}

void append_element(std::string& out, pugi::xml_node element) {
    if (element.type() != pugi::node_element) {
        return;
    }
    const bool inherits = element.parent().type() == pugi::node_element;
    if (!append_start_tag(out, element, inherits)) {
        return;
    }
    // Iterative walk: module-built trees may be arbitrarily deep.
    pugi::xml_node node = element.first_child();
    while (node != element) {
        const pugi::xml_node_type type = node.type();
        if (type == pugi::node_element) {
            if (append_start_tag(out, node, false)) {
                node = node.first_child();
                continue;
            }
        } else if (type == pugi::node_pcdata || type == pugi::node_cdata) {
            append_escaped_text(out, node.value());
        }
        while (!node.next_sibling()) {
            node = node.parent();
            append_end_tag(out, node);
            if (node == element) {
                return;
            }
        }
        node = node.next_sibling();
    }
}

} // namespace cadenza::xml
