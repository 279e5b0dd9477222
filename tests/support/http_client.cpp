#include "http_client.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace cadenza::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
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

std::chrono::milliseconds until(Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    return left.count() < 0 ? std::chrono::milliseconds(0) : left;
}

} // namespace

std::optional<std::string> HttpResponse::header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
        if (strcasecmp(k.c_str(), std::string(name).c_str()) == 0) {
            return v;
        }
    }
    return std::nullopt;
}

std::vector<std::string> HttpResponse::headers_named(std::string_view name) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : headers) {
        if (strcasecmp(k.c_str(), std::string(name).c_str()) == 0) {
            out.push_back(v);
        }
    }
    return out;
}

std::string build_request(std::string_view method, std::string_view path, std::string_view host,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          std::string_view body) {
    std::string out;
    out.append(method).append(" ").append(path).append(" HTTP/1.1\r\n");
    if (!host.empty()) {
        out.append("Host: ").append(host).append("\r\n");
    }
    for (const auto& [k, v] : headers) {
        out.append(k).append(": ").append(v).append("\r\n");
    }
    if (!body.empty()) {
        out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    }
    out.append("\r\n").append(body);
    return out;
}

HttpClient::HttpClient(int port) : HttpClient(port, Options{}) {}

HttpClient::HttpClient(int port, Options options) : options_(std::move(options)) {
    // A loopback connect completes in the kernel, even before the server accepts; the deadline
    // only matters when the server's backlog is full.
    fd_ = tcp_connect(port, Clock::now() + 10s, {.receive_buffer = options_.receive_buffer});
}

HttpClient::~HttpClient() {
    close();
}

void HttpClient::close() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
}

long HttpClient::transport_read(char* data, std::size_t size, short* want) {
    ssize_t n = ::recv(fd_, data, size, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        *want = POLLIN;
        return -1;
    }
    if (n < 0) {
        return 0; // reset: the server is gone, as with EOF
    }
    return static_cast<long>(n);
}

long HttpClient::transport_write(const char* data, std::size_t size, short* want) {
    ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        *want = POLLOUT;
        return -1;
    }
    if (n < 0) {
        throw std::runtime_error(std::string("send: ") + std::strerror(errno));
    }
    return static_cast<long>(n);
}

void HttpClient::wait(short events, Clock::time_point deadline) {
    auto left = until(deadline);
    if (options_.waiter) {
        options_.waiter(fd_, events, left);
        return;
    }
    pollfd p{fd_, events, 0};
    ::poll(&p, 1, static_cast<int>(left.count()));
}

void HttpClient::send_raw(std::string_view bytes, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!bytes.empty()) {
        if (fd_ < 0) {
            throw std::runtime_error("send on a closed client");
        }
        short want = 0;
        long n = transport_write(bytes.data(), bytes.size(), &want);
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
            continue;
        }
        if (Clock::now() >= deadline) {
            throw std::runtime_error("timed out sending to the server");
        }
        wait(want, deadline);
    }
}

void HttpClient::send_request(std::string_view method, std::string_view path, std::string_view host,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              std::string_view body) {
    send_raw(build_request(method, path, host, headers, body));
}

bool HttpClient::fill(Clock::time_point deadline) {
    if (eof_ || fd_ < 0) {
        return false;
    }
    char buf[16384];
    for (;;) {
        short want = 0;
        long n = transport_read(buf, sizeof buf, &want);
        if (n > 0) {
            in_.append(buf, static_cast<std::size_t>(n));
            return true;
        }
        if (n == 0) {
            eof_ = true;
            return false;
        }
        if (Clock::now() >= deadline) {
            throw std::runtime_error("timed out waiting for the server");
        }
        wait(want, deadline);
    }
}

HttpResponse HttpClient::read_head(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        std::size_t end = in_.find("\r\n\r\n");
        while (end == std::string::npos) {
            if (!fill(deadline)) {
                throw std::runtime_error("the server closed the connection before a full head (" +
                                         std::to_string(in_.size()) + " bytes: " + in_ + ")");
            }
            end = in_.find("\r\n\r\n");
        }
        std::string head = in_.substr(0, end + 2);
        in_.erase(0, end + 4);

        HttpResponse r;
        std::size_t line_end = head.find("\r\n");
        std::string_view status_line = std::string_view(head).substr(0, line_end);
        std::size_t sp1 = status_line.find(' ');
        if (sp1 == std::string_view::npos) {
            throw std::runtime_error("bad status line: " + std::string(status_line));
        }
        r.version = std::string(status_line.substr(0, sp1));
        std::size_t sp2 = status_line.find(' ', sp1 + 1);
        r.status = std::stoi(std::string(status_line.substr(sp1 + 1, sp2 - sp1 - 1)));
        if (sp2 != std::string_view::npos) {
            r.reason = std::string(status_line.substr(sp2 + 1));
        }
        std::size_t pos = line_end + 2;
        while (pos < head.size()) {
            std::size_t eol = head.find("\r\n", pos);
            std::string_view line = std::string_view(head).substr(pos, eol - pos);
            pos = eol + 2;
            std::size_t colon = line.find(':');
            if (colon == std::string_view::npos) {
                continue;
            }
            r.headers.emplace_back(std::string(trim(line.substr(0, colon))),
                                   std::string(trim(line.substr(colon + 1))));
        }
        if (r.status >= 100 && r.status < 200) {
            continue; // 100 Continue: the real answer follows
        }

        auto te = r.header("Transfer-Encoding");
        auto cl = r.header("Content-Length");
        chunk_ = ChunkState::kSize;
        if (r.status == 204 || r.status == 304) {
            body_mode_ = BodyMode::kDone;
        } else if (te && lower(*te).find("chunked") != std::string::npos) {
            body_mode_ = BodyMode::kChunked;
        } else if (cl) {
            remaining_ = std::stoull(*cl);
            body_mode_ = remaining_ == 0 ? BodyMode::kDone : BodyMode::kLength;
        } else {
            body_mode_ = BodyMode::kUntilClose;
        }
        return r;
    }
}

void HttpClient::decode(std::string& out) {
    while (!in_.empty()) {
        switch (body_mode_) {
        case BodyMode::kNone:
        case BodyMode::kDone:
            return;
        case BodyMode::kUntilClose:
            out += in_;
            in_.clear();
            return;
        case BodyMode::kLength: {
            std::size_t n = std::min(remaining_, in_.size());
            out.append(in_, 0, n);
            in_.erase(0, n);
            remaining_ -= n;
            if (remaining_ == 0) {
                body_mode_ = BodyMode::kDone;
            }
            break;
        }
        case BodyMode::kChunked:
            switch (chunk_) {
            case ChunkState::kSize: {
                std::size_t eol = in_.find("\r\n");
                if (eol == std::string::npos) {
                    return;
                }
                std::string size_line = in_.substr(0, eol);
                in_.erase(0, eol + 2);
                remaining_ = std::stoull(size_line, nullptr, 16);
                chunk_ = remaining_ == 0 ? ChunkState::kTrailer : ChunkState::kData;
                break;
            }
            case ChunkState::kData: {
                std::size_t n = std::min(remaining_, in_.size());
                out.append(in_, 0, n);
                in_.erase(0, n);
                remaining_ -= n;
                if (remaining_ == 0) {
                    chunk_ = ChunkState::kDataEnd;
                }
                break;
            }
            case ChunkState::kDataEnd:
                if (in_.size() < 2) {
                    return;
                }
                if (in_.compare(0, 2, "\r\n") != 0) {
                    throw std::runtime_error("chunk data not followed by CRLF");
                }
                in_.erase(0, 2);
                chunk_ = ChunkState::kSize;
                break;
            case ChunkState::kTrailer: {
                std::size_t eol = in_.find("\r\n");
                if (eol == std::string::npos) {
                    return;
                }
                in_.erase(0, eol + 2);
                if (eol == 0) {
                    body_mode_ = BodyMode::kDone;
                }
                break;
            }
            }
            break;
        }
    }
}

std::string HttpClient::read_body(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    std::string out;
    decode(out);
    while (body_mode_ != BodyMode::kDone && body_mode_ != BodyMode::kNone) {
        if (!fill(deadline)) {
            if (body_mode_ != BodyMode::kUntilClose) {
                throw std::runtime_error("the server closed the connection inside a body");
            }
            body_mode_ = BodyMode::kDone;
            break;
        }
        decode(out);
    }
    return out;
}

HttpResponse HttpClient::read_response(std::chrono::milliseconds timeout, bool head_request) {
    auto deadline = Clock::now() + timeout;
    HttpResponse r = read_head(timeout);
    if (head_request) {
        body_mode_ = BodyMode::kDone;
        return r;
    }
    r.body = read_body(until(deadline));
    return r;
}

std::string HttpClient::read_some(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    std::string out;
    decode(out);
    while (out.empty() && body_mode_ != BodyMode::kDone && body_mode_ != BodyMode::kNone) {
        if (eof_ || fd_ < 0) {
            if (body_mode_ == BodyMode::kUntilClose) {
                body_mode_ = BodyMode::kDone;
            }
            break;
        }
        short want = 0;
        char buf[16384];
        long n = transport_read(buf, sizeof buf, &want);
        if (n > 0) {
            in_.append(buf, static_cast<std::size_t>(n));
            decode(out);
            continue;
        }
        if (n == 0) {
            eof_ = true;
            continue;
        }
        if (Clock::now() >= deadline) {
            break;
        }
        wait(want, deadline);
    }
    return out;
}

bool HttpClient::wait_closed(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!eof_ && fd_ >= 0) {
        short want = 0;
        char buf[16384];
        long n = transport_read(buf, sizeof buf, &want);
        if (n == 0) {
            eof_ = true;
            break;
        }
        if (n > 0) {
            continue;
        }
        if (Clock::now() >= deadline) {
            return false;
        }
        wait(want, deadline);
    }
    return true;
}

TlsHttpClient::TlsHttpClient(int port, std::string_view server_name, std::string_view ca_file,
                             Options options, std::chrono::milliseconds timeout)
    : HttpClient(port, std::move(options)), tls_(make_client_tls(fd_, server_name, ca_file)) {
    auto deadline = Clock::now() + timeout;
    client_handshake(tls_, [&](short events) {
        if (Clock::now() >= deadline) {
            return false;
        }
        wait(events, deadline); // through the Waiter, when the test gave one
        return true;
    });
}

TlsHttpClient::~TlsHttpClient() {
    free_client_tls(tls_);
}

std::string TlsHttpClient::peer_common_name() const {
    X509* cert = SSL_get1_peer_certificate(tls_.ssl);
    if (cert == nullptr) {
        return {};
    }
    char cn[256] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    X509_free(cert);
    return cn;
}

long TlsHttpClient::transport_read(char* data, std::size_t size, short* want) {
    int n = SSL_read(tls_.ssl, data, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
    if (n > 0) {
        return n;
    }
    int err = SSL_get_error(tls_.ssl, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        *want = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        return -1;
    }
    ERR_clear_error();
    return 0; // close_notify, EOF or failure: the stream is over
}

long TlsHttpClient::transport_write(const char* data, std::size_t size, short* want) {
    int n = SSL_write(tls_.ssl, data, static_cast<int>(std::min<std::size_t>(size, 1 << 30)));
    if (n > 0) {
        return n;
    }
    int err = SSL_get_error(tls_.ssl, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        *want = err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
        return -1;
    }
    throw std::runtime_error("TLS write failed: " + openssl_error());
}

} // namespace cadenza::test
