#include "raw_xmpp.hpp"

#include <cadenza/stanza.hpp>

#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace cadenza::test {
namespace {

using Clock = std::chrono::steady_clock;

} // namespace

std::string client_stream_header(std::string_view to, std::string_view content_ns,
                                 std::string_view stream_ns) {
    std::string out = "<?xml version='1.0'?><stream:stream to='";
    out.append(to).append("' version='1.0' xmlns='").append(content_ns);
    out.append("' xmlns:stream='").append(stream_ns).append("'>");
    return out;
}

RawXmppConnection::RawXmppConnection(int port, std::chrono::milliseconds timeout)
    : fd_(tcp_connect(port, Clock::now() + timeout)) {}

RawXmppConnection::~RawXmppConnection() {
    free_client_tls(tls_);
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

bool RawXmppConnection::wait(short events, Clock::time_point deadline) const {
    return wait_ready(fd_, events, deadline);
}

bool RawXmppConnection::send(std::string_view bytes, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    while (!bytes.empty()) {
        long n = 0;
        short want = POLLOUT;
        if (tls_.ssl != nullptr) {
            n = SSL_write(tls_.ssl, bytes.data(), static_cast<int>(bytes.size()));
            if (n <= 0) {
                int e = SSL_get_error(tls_.ssl, static_cast<int>(n));
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
        if (tls_.ssl != nullptr) {
            n = SSL_read(tls_.ssl, buffer, sizeof buffer);
            if (n <= 0) {
                int e = SSL_get_error(tls_.ssl, static_cast<int>(n));
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
    if (tls_.ssl != nullptr) {
        throw std::runtime_error("TLS is already on");
    }
    tls_ = make_client_tls(fd_, server_name, ca_file);
    auto deadline = Clock::now() + timeout;
    client_handshake(tls_, [&](short events) { return wait(events, deadline); });
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
