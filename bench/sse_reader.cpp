#include "sse_reader.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace cadenza::bench {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() &&
           std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
        s.remove_suffix(1);
    }
    return s;
}

} // namespace

void SseReader::fail(std::string why) {
    state_ = State::kError;
    error_ = std::move(why);
}

SseReader::State SseReader::feed(std::string_view bytes,
                                 const std::function<void(std::string_view)>& on_event) {
    if (state_ == State::kHead) {
        std::size_t old = head_.size();
        head_.append(bytes);
        std::size_t end = head_.find("\r\n\r\n", old >= 3 ? old - 3 : 0);
        if (end == std::string::npos) {
            if (head_.size() > 64 * 1024) {
                fail("response head longer than 64 KiB");
            }
            return state_;
        }
        std::string rest = head_.substr(end + 4);
        head_.resize(end);
        parse_head();
        head_.clear();
        head_.shrink_to_fit();
        if (state_ != State::kBody) {
            return state_;
        }
        feed_body(rest, on_event);
        return state_;
    }
    if (state_ == State::kBody) {
        feed_body(bytes, on_event);
    }
    return state_;
}

void SseReader::parse_head() {
    std::string_view head = head_;
    std::size_t eol = head.find("\r\n");
    std::string_view status_line = head.substr(0, eol);
    if (status_line.substr(0, 5) != "HTTP/" || status_line.size() < 12) {
        fail("not an HTTP response: " + std::string(status_line));
        return;
    }
    status_ = std::atoi(std::string(status_line.substr(9, 3)).c_str());
    while (eol != std::string_view::npos) {
        head.remove_prefix(eol + 2);
        eol = head.find("\r\n");
        std::string_view line = head.substr(0, eol);
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos) {
            continue;
        }
        if (iequals(trim(line.substr(0, colon)), "Transfer-Encoding") &&
            iequals(trim(line.substr(colon + 1)), "chunked")) {
            chunked_ = true;
        }
    }
    if (status_ != 200) {
        fail("HTTP status " + std::to_string(status_));
        return;
    }
    state_ = State::kBody;
}

void SseReader::feed_body(std::string_view bytes,
                          const std::function<void(std::string_view)>& on_event) {
    if (!chunked_) {
        feed_sse(bytes, on_event);
        return;
    }
    while (!bytes.empty() && state_ == State::kBody) {
        switch (chunk_) {
        case Chunk::kSize:
        case Chunk::kDataEnd:
        case Chunk::kTrailer: {
            std::size_t lf = bytes.find('\n');
            if (lf == std::string_view::npos) {
                head_.append(bytes);
                if (head_.size() > 1024) {
                    fail("chunk-size line longer than 1 KiB");
                }
                return;
            }
            head_.append(bytes.substr(0, lf));
            bytes.remove_prefix(lf + 1);
            std::string_view line = trim(head_);
            if (chunk_ == Chunk::kDataEnd) {
                if (!line.empty()) {
                    fail("chunk data not followed by CRLF");
                }
                chunk_ = Chunk::kSize;
            } else if (chunk_ == Chunk::kTrailer) {
                if (line.empty()) {
                    state_ = State::kDone;
                }
            } else {
                char* end = nullptr;
                std::string digits(line.substr(0, line.find(';')));
                chunk_left_ = std::strtoul(digits.c_str(), &end, 16);
                if (digits.empty() || end != digits.c_str() + digits.size()) {
                    fail("bad chunk size '" + digits + "'");
                } else {
                    chunk_ = chunk_left_ == 0 ? Chunk::kTrailer : Chunk::kData;
                }
            }
            head_.clear();
            break;
        }
        case Chunk::kData: {
            std::size_t n = std::min(chunk_left_, bytes.size());
            feed_sse(bytes.substr(0, n), on_event);
            bytes.remove_prefix(n);
            chunk_left_ -= n;
            if (chunk_left_ == 0) {
                chunk_ = Chunk::kDataEnd;
            }
            break;
        }
        }
    }
}

void SseReader::feed_sse(std::string_view bytes,
                         const std::function<void(std::string_view)>& on_event) {
    while (!bytes.empty()) {
        std::size_t lf = bytes.find('\n');
        if (lf == std::string_view::npos) {
            line_.append(bytes);
            return;
        }
        std::string_view line;
        if (line_.empty()) {
            line = bytes.substr(0, lf);
        } else {
            line_.append(bytes.substr(0, lf));
            line = line_;
        }
        bytes.remove_prefix(lf + 1);
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.empty()) {
            if (has_data_) {
                on_event(data_);
            }
            data_.clear();
            has_data_ = false;
        } else if (line.substr(0, 5) == "data:") {
            std::string_view value = line.substr(5);
            if (!value.empty() && value.front() == ' ') {
                value.remove_prefix(1);
            }
            if (has_data_) {
                data_.push_back('\n');
            }
            data_.append(value);
            has_data_ = true;
        }
        line_.clear();
    }
}

} // namespace cadenza::bench
