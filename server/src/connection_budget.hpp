#pragma once
// What one client connection may make the server hold before its request is routed.
//
// cpp-httplib 0.11.4 (Debian's compiled library) reads a request line and headers of any
// length and number into memory before any handler of ours runs (docs/security.md). We cannot
// change the library, so we bound what it can read: every connection has a receive budget,
// kept per thread (httplib serves one connection per worker thread, its reads and our handlers
// on that thread). The worker pool opens a ConnectionScope per connection; bytes received
// count against the current phase:
//   head: the request line and headers (plus, on TLS, the handshake before the first request),
//         at most `head_bytes`, arriving within `head_time` from its first byte;
//   body: what the pre-routing handler announced (Content-Length), set by expect_body().
// Past the budget or the deadline the connection's reads fail, the library answers 400 (which
// our error handler turns into 431/408) and the connection is closed.
//
// Counting: TLS through OpenSSL's public BIO callback on the connection's socket BIO
// (watch_tls_connections); plain HTTP through the recv/poll hooks in socket_hooks.cpp, which
// also frame each plain request exactly (the library reads ahead into a buffer it throws away
// after each request, which dropped pipelined requests). The poll hook also lets keep-alive
// see requests OpenSSL already decrypted (pipelined over TLS) and ends connections whose
// response said "Connection: close" instead of waiting for the client's next request.
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace vt132::server {

struct ConnectionLimits {
  size_t head_bytes = 16 * 1024;
  std::chrono::milliseconds head_time{30'000};
};

// Arms the budget for the connection served on this thread until destroyed.
class ConnectionScope {
 public:
  explicit ConnectionScope(const ConnectionLimits& limits);
  ~ConnectionScope();
  ConnectionScope(const ConnectionScope&) = delete;
  ConnectionScope& operator=(const ConnectionScope&) = delete;
};

// Why this connection's reads were cut, if they were.
enum class Refusal { None, HeadTooLarge, HeadTooSlow };
Refusal refusal();

// The head was parsed and routed: `content_length` body bytes follow (0 for none).
void expect_body(uint64_t content_length);
// A response was written. The next bytes are a new request head, unless `close` (the response
// said Connection: close): then the connection ends without reading anything more.
void expect_next_request(bool close);

// Installs the BIO counting on every TLS connection of `ctx` when its handshake starts.
void watch_tls_connections(SSL_CTX& ctx);

// The connection served on this thread: its socket (-1 until its first read or handshake, and
// on threads serving none) and, over TLS, its SSL (else nullptr). For connection_io.cpp.
int served_fd();
SSL* served_tls();

// ---- for socket_hooks.cpp ----
using RecvFunction = ssize_t (*)(int, void*, size_t, int);
// recv() as the library sees it on a connection thread: counted against the budget and, for
// a request head, cut just after the blank line that ends it.
ssize_t budget_recv(RecvFunction real_recv, int fd, void* buf, size_t len, int flags);
// An answer for poll() on this connection without asking the kernel, or nothing.
std::optional<int> intercept_poll(pollfd* fds, nfds_t count);
// The hooks announce themselves at start-up; socket_hooks_active() then checks the dynamic
// linker really resolves recv, poll, SSL_read and SSL_write to them (so libcpp-httplib.so
// calls them too).
struct SocketHooks {
  const void* recv = nullptr;
  const void* poll = nullptr;
  const void* ssl_read = nullptr;
  const void* ssl_write = nullptr;
};
void register_socket_hooks(const SocketHooks& hooks);
bool socket_hooks_active();

// Where the blank line ending a request head is: scans `n` bytes given the state left by the
// bytes before (start a head with kHeadStart) and returns how many bytes belong to the head;
// `state` is kHeadEnded when the head ended there. Mirrors the library: a head ends at a line
// that is exactly CRLF.
constexpr int kHeadStart = 1;
constexpr int kHeadEnded = 3;
size_t head_prefix(const char* data, size_t n, int& state);

}  // namespace vt132::server
