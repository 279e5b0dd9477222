#include "accounts/group_list.hpp"

#include <cstdint>

namespace cadenza::accounts {
namespace {

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// The character a one-letter JSON escape (\n, \", ...) stands for.
std::optional<char> unescape(char e) {
    static constexpr std::string_view kFrom = "\"\\/bfnrt";
    static constexpr std::string_view kTo = "\"\\/\b\f\n\r\t";
    auto i = kFrom.find(e);
    return i == std::string_view::npos ? std::nullopt : std::optional(kTo[i]);
}

// A small cursor over the text; every read is bounds-checked.
class Reader {
public:
    explicit Reader(std::string_view text) : text_(text) {}

    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       text_[pos_] == '\n' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }
    bool done() const { return pos_ == text_.size(); }
    bool take(char c) {
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    std::optional<std::uint32_t> hex4() {
        if (text_.size() - pos_ < 4) {
            return std::nullopt;
        }
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
            char c = text_[pos_++];
            value <<= 4;
            if (c >= '0' && c <= '9') {
                value |= static_cast<std::uint32_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                value |= static_cast<std::uint32_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                value |= static_cast<std::uint32_t>(c - 'A' + 10);
            } else {
                return std::nullopt;
            }
        }
        return value;
    }

    // After the opening quote: the string up to its closing quote.
    std::optional<std::string> string_body() {
        std::string out;
        while (pos_ < text_.size()) {
            char c = text_[pos_++];
            if (c == '"') {
                return out;
            }
            if (static_cast<unsigned char>(c) < 0x20) {
                return std::nullopt;
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ == text_.size()) {
                return std::nullopt;
            }
            char e = text_[pos_++];
            if (auto plain = unescape(e)) {
                out += *plain;
                continue;
            }
            if (e != 'u') {
                return std::nullopt;
            }
            auto cp = hex4();
            if (!cp) {
                return std::nullopt;
            }
            if (*cp >= 0xD800 && *cp < 0xDC00) {
                // A high surrogate must be followed by an escaped low one.
                if (!take('\\') || !take('u')) {
                    return std::nullopt;
                }
                auto low = hex4();
                if (!low || *low < 0xDC00 || *low >= 0xE000) {
                    return std::nullopt;
                }
                *cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
            } else if (*cp >= 0xDC00 && *cp < 0xE000) {
                return std::nullopt;
            }
            append_utf8(out, *cp);
        }
        return std::nullopt;
    }

private:
    std::string_view text_;
    std::size_t pos_ = 0;
};

} // namespace

std::string encode_groups(const std::vector<std::string>& groups) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out = "[";
    for (const auto& group : groups) {
        if (out.size() > 1) {
            out += ',';
        }
        out += '"';
        for (char c : group) {
            auto u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                out += '\\';
                out += c;
            } else if (u < 0x20) {
                out += "\\u00";
                out += kHex[u >> 4];
                out += kHex[u & 0xF];
            } else {
                out += c;
            }
        }
        out += '"';
    }
    out += ']';
    return out;
}

std::optional<std::vector<std::string>> decode_groups(std::string_view text) {
    Reader in(text);
    std::vector<std::string> groups;
    in.skip_space();
    if (!in.take('[')) {
        return std::nullopt;
    }
    in.skip_space();
    if (!in.take(']')) {
        do {
            in.skip_space();
            if (!in.take('"')) {
                return std::nullopt;
            }
            auto name = in.string_body();
            if (!name) {
                return std::nullopt;
            }
            groups.push_back(std::move(*name));
            in.skip_space();
        } while (in.take(','));
        if (!in.take(']')) {
            return std::nullopt;
        }
    }
    in.skip_space();
    if (!in.done()) {
        return std::nullopt;
    }
    return groups;
}

} // namespace cadenza::accounts
