// A raw HTTP/1.1 client for tests: sends exactly the bytes a test chooses and reads answers with
// deadlines, either whole or as a stream (for Server-Sent Events).
//
// Waiting goes through a Waiter. The default one polls the socket, for a server in another
// process or thread. A test that runs the server's event loop on its own thread passes a waiter
// that runs that loop for a moment instead, so client and server take turns on one thread.
//
//   HttpClient c(port);
//   c.send_request("GET", "/eventsource/node", "example.org");
//   HttpResponse head = c.read_head();          // status line and headers
//   std::string bytes = c.read_some(500ms);     // decoded body bytes, as they come
//
// Every read and write throws std::runtime_error when its deadline passes or the connection
// fails; reads return what they have when the server closes. One thread at a time.
#pragma once

#include "client_socket.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cadenza::test {

using namespace std::chrono_literals;

struct HttpResponse {
    std::string version; // "HTTP/1.1"
    int status = 0;
    std::string reason;
    std::vector<std::pair<std::string, std::string>> headers; // in order, as sent
    std::string body;

    // The first header of that name (case-insensitive).
    std::optional<std::string> header(std::string_view name) const;
    // Every header of that name.
    std::vector<std::string> headers_named(std::string_view name) const;
};

// "GET /path HTTP/1.1\r\nHost: host\r\n<headers>Content-Length: n\r\n\r\n<body>"; no Host line
// when `host` is empty, no Content-Length when the body is empty.
std::string build_request(std::string_view method, std::string_view path, std::string_view host,
                          const std::vector<std::pair<std::string, std::string>>& headers = {},
                          std::string_view body = {});

class HttpClient {
public:
    // Waits until `fd` may be ready for `events` (POLLIN/POLLOUT), at most `max`.
    using Waiter = std::function<void(int fd, short events, std::chrono::milliseconds max)>;

    struct Options {
        // When > 0, SO_RCVBUF set before connecting: a small window, to play a slow reader.
        int receive_buffer = 0;
        Waiter waiter; // empty: poll the socket
    };

    // Connects to 127.0.0.1:port. Throws std::runtime_error when that fails.
    explicit HttpClient(int port);
    HttpClient(int port, Options options);
    virtual ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    void send_raw(std::string_view bytes, std::chrono::milliseconds timeout = 5s);
    void send_request(std::string_view method, std::string_view path, std::string_view host,
                      const std::vector<std::pair<std::string, std::string>>& headers = {},
                      std::string_view body = {});

    // Reads a status line and headers (skipping 1xx answers), and learns how the body ends.
    HttpResponse read_head(std::chrono::milliseconds timeout = 5s);
    // Reads the rest of the body of the answer whose head was read last.
    std::string read_body(std::chrono::milliseconds timeout = 5s);
    // read_head + read_body. `head_request`: the answer to HEAD has no body whatever it says.
    HttpResponse read_response(std::chrono::milliseconds timeout = 5s, bool head_request = false);
    // Decoded body bytes: waits up to `timeout` for some, returns as soon as there are any.
    // Empty when nothing came in time, the body ended or the server closed.
    std::string read_some(std::chrono::milliseconds timeout);

    // The body of the current answer ended (last chunk, length reached, or close).
    bool body_done() const { return body_mode_ == BodyMode::kDone; }
    // The server closed the connection (EOF or reset).
    bool server_closed() const { return eof_; }
    // Waits up to `timeout` for the server to close the connection; drops any bytes.
    bool wait_closed(std::chrono::milliseconds timeout);
    void close();
    int fd() const { return fd_; }

protected:
    // Transport: plain socket here, TLS in TlsHttpClient. Return bytes moved, 0 on EOF, or -1
    // with `want` set to the poll events to wait for.
    virtual long transport_read(char* data, std::size_t size, short* want);
    virtual long transport_write(const char* data, std::size_t size, short* want);
    void wait(short events, std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    Options options_;

private:
    enum class BodyMode { kNone, kLength, kChunked, kUntilClose, kDone };
    enum class ChunkState { kSize, kData, kDataEnd, kTrailer };

    // Reads more raw bytes into in_; false on EOF. Throws at the deadline.
    bool fill(std::chrono::steady_clock::time_point deadline);
    // Moves decodable body bytes from in_ to out.
    void decode(std::string& out);

    std::string in_; // raw bytes not yet consumed
    bool eof_ = false;
    BodyMode body_mode_ = BodyMode::kNone;
    std::size_t remaining_ = 0; // for kLength, and the chunk's data for kChunked
    ChunkState chunk_ = ChunkState::kSize;
};

// The same over TLS (OpenSSL). The server's certificate is not verified, unless `ca_file` names
// the PEM certificate to trust; `server_name` goes into SNI.
class TlsHttpClient : public HttpClient {
public:
    TlsHttpClient(int port, std::string_view server_name, std::string_view ca_file = {},
                  Options options = {}, std::chrono::milliseconds timeout = 5s);
    ~TlsHttpClient() override;

    // The subject CN of the certificate the server presented.
    std::string peer_common_name() const;

protected:
    long transport_read(char* data, std::size_t size, short* want) override;
    long transport_write(const char* data, std::size_t size, short* want) override;

private:
    ClientTls tls_;
};

} // namespace cadenza::test
