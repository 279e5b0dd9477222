#include "http/percent_decode.hpp"

namespace cadenza::http {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

// The byte an escape at raw[i] ('%') stands for, or -1 when it is not a valid escape.
int escape_at(std::string_view raw, std::size_t i) {
    if (i + 2 >= raw.size()) {
        return -1;
    }
    int hi = hex_value(raw[i + 1]);
    int lo = hex_value(raw[i + 2]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

} // namespace

std::optional<std::string> percent_decode_path(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '\0') {
            return std::nullopt;
        }
        if (c != '%') {
            out.push_back(c);
            continue;
        }
        int byte = escape_at(raw, i);
        if (byte <= 0) { // malformed, or %00
            return std::nullopt;
        }
        out.push_back(static_cast<char>(byte));
        i += 2;
    }
    return out;
}

std::string percent_decode_query(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    for (std::size_t i = 0; i < raw.size(); ++i) {
        char c = raw[i];
        if (c == '+') {
            out.push_back(' ');
            continue;
        }
        int byte = c == '%' ? escape_at(raw, i) : -1;
        if (byte < 0) {
            out.push_back(c);
            continue;
        }
        out.push_back(static_cast<char>(byte));
        i += 2;
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view raw) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!raw.empty()) {
        std::size_t amp = raw.find('&');
        std::string_view part = raw.substr(0, amp);
        raw = amp == std::string_view::npos ? std::string_view() : raw.substr(amp + 1);
        if (part.empty()) {
            continue;
        }
        std::size_t eq = part.find('=');
        if (eq == std::string_view::npos) {
            out.emplace_back(percent_decode_query(part), std::string());
        } else {
            out.emplace_back(percent_decode_query(part.substr(0, eq)),
                             percent_decode_query(part.substr(eq + 1)));
        }
    }
    return out;
}

} // namespace cadenza::http
