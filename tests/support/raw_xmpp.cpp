#include "raw_xmpp.hpp"

#include <cadenza/stanza.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace cadenza::test {

namespace {

using Clock = std::chrono::steady_clock;

std::string openssl_error() {
    unsigned long code = ERR_get_error();
    if (code == 0) {
        return "no OpenSSL error queued";
    }
    char text[256];
    ERR_error_string_n(code, text, sizeof text);
    return text;
}

} // namespace

std::string client_stream_header(std::string_view to, std::string_view content_ns,
                                 std::string_view stream_ns) {
    std::string out = "<?xml version='1.0'?><stream:stream to='";
    out.append(to).append("' version='1.0' xmlns='").append(content_ns);
    out.append("' xmlns:stream='").append(stream_ns).append("'>");
    return out;
}

RawXmppConnection::RawXmppConnection(int port, std::chrono::milliseconds timeout) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 &&
        errno != EINPROGRESS) {
        std::string why = std::strerror(errno);
        ::close(fd_);
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " + why);
    }
    int error = 0;
    socklen_t length = sizeof error;
    if (!wait(POLLOUT, Clock::now() + timeout) ||
        ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &length) != 0 || error != 0) {
        ::close(fd_);
        throw std::runtime_error("connect to 127.0.0.1:" + std::to_string(port) + ": " +
                                 (error != 0 ? std::strerror(error) : "timed out"));
    }
}

RawXmppConnection::~RawXmppConnection() {
    if (ssl_ != nullptr) {
        SSL_free(ssl_);
    }
    if (ctx_ != nullptr) {
        SSL_CTX_free(ctx_);
    }
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

bool RawXmppConnection::wait(short events, Clock::time_point deadline) const {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() < 0) {
            return false;
        }
        pollfd p{fd_, events, 0};
        int n = ::poll(&p, 1, static_cast<int>(left.count()) + 1);
        if (n > 0) {
            return true;
        }
        if (n < 0 && errno != EINTR) {
            return false;
        }
    }
}

bool RawXmppConnection::send(std::string_view bytes, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!bytes.empty()) {
        long n = 0;
        short want = POLLOUT;
        if (ssl_ != nullptr) {
            n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
            if (n <= 0) {
                int e = SSL_get_error(ssl_, static_cast<int>(n));
                if (e == SSL_ERROR_WANT_READ) {
                    want = POLLIN;
                } else if (e != SSL_ERROR_WANT_WRITE) {
                    return false;
                }
            }
        } else {
            // MSG_NOSIGNAL: a server that already closed must not kill the test with SIGPIPE.
            n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                return false;
            }
        }
        if (n > 0) {
            bytes.remove_prefix(static_cast<std::size_t>(n));
        } else if (!wait(want, deadline)) {
            return false;
        }
    }
    return true;
}

bool RawXmppConnection::fill(Clock::time_point deadline) {
    if (closed_) {
        return false;
    }
    char buffer[16384];
    for (;;) {
        long n = 0;
        short want = POLLIN;
        if (ssl_ != nullptr) {
            n = SSL_read(ssl_, buffer, sizeof buffer);
            if (n <= 0) {
                int e = SSL_get_error(ssl_, static_cast<int>(n));
                if (e == SSL_ERROR_WANT_WRITE) {
                    want = POLLOUT;
                } else if (e != SSL_ERROR_WANT_READ) {
                    closed_ = true; // close_notify, EOF or a reset
                    return false;
                }
            }
        } else {
            n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                closed_ = true;
                return false;
            }
        }
        if (n > 0) {
            received_.append(buffer, static_cast<std::size_t>(n));
            return true;
        }
        if (!wait(want, deadline)) {
            return false;
        }
    }
}

bool RawXmppConnection::read_until(std::string_view needle, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    for (;;) {
        std::size_t at = received_.find(needle, cursor_);
        if (at != std::string::npos) {
            cursor_ = at + needle.size();
            return true;
        }
        if (!fill(deadline)) {
            return false;
        }
    }
}

bool RawXmppConnection::wait_closed(std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!closed_) {
        if (!fill(deadline) && !closed_) {
            return false;
        }
    }
    return true;
}

void RawXmppConnection::start_tls(std::string_view server_name, std::string_view ca_file,
                                  std::chrono::milliseconds timeout) {
    if (ssl_ != nullptr) {
        throw std::runtime_error("TLS is already on");
    }
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (ctx_ == nullptr) {
        throw std::runtime_error("SSL_CTX_new: " + openssl_error());
    }
    std::string name(server_name);
    if (!ca_file.empty()) {
        if (SSL_CTX_load_verify_locations(ctx_, std::string(ca_file).c_str(), nullptr) != 1) {
            throw std::runtime_error("cannot load " + std::string(ca_file) + ": " +
                                     openssl_error());
        }
        SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, name.c_str());
    if (!ca_file.empty()) {
        SSL_set1_host(ssl_, name.c_str());
    }
    auto deadline = Clock::now() + timeout;
    for (;;) {
        int rc = SSL_connect(ssl_);
        if (rc == 1) {
            return;
        }
        int e = SSL_get_error(ssl_, rc);
        short want = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (want == 0) {
            std::string why = openssl_error();
            long verify = SSL_get_verify_result(ssl_);
            SSL_free(ssl_);
            ssl_ = nullptr;
            throw std::runtime_error("TLS handshake failed: " + why +
                                     " (verify: " + X509_verify_cert_error_string(verify) + ")");
        }
        if (!wait(want, deadline)) {
            SSL_free(ssl_);
            ssl_ = nullptr;
            throw std::runtime_error("TLS handshake timed out");
        }
    }
}

std::string stream_error_condition(const std::string& transcript) {
    std::size_t start = transcript.rfind("<stream:stream");
    if (start == std::string::npos) {
        return {};
    }
    std::string stream = transcript.substr(start);
    if (stream.find("</stream:stream>") == std::string::npos) {
        stream += "</stream:stream>";
    }
    try {
        Stanza parsed = Stanza::parse(stream);
        for (Element error : parsed.children("error", xmlns::kStreams)) {
            for (Element child : error.children()) {
                if (child.ns() == xmlns::kStreamErrors && child.name() != "text") {
                    return std::string(child.name());
                }
            }
        }
    } catch (const std::exception& e) {
        return std::string("(unparsable server output: ") + e.what() + ")";
    }
    return {};
}

std::string sasl_failure_condition(const std::string& transcript) {
    constexpr std::string_view kSaslNs = "urn:ietf:params:xml:ns:xmpp-sasl";
    std::size_t start = transcript.rfind("<failure");
    std::size_t end = transcript.find("</failure>", start);
    if (start == std::string::npos || end == std::string::npos) {
        return {};
    }
    Stanza failure = Stanza::parse(transcript.substr(start, end + 10 - start));
    for (Element child : failure.children()) {
        if (child.ns() == kSaslNs && child.name() != "text") {
            return std::string(child.name());
        }
    }
    return {};
}

} // namespace cadenza::test
