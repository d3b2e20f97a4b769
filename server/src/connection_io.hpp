#pragma once
// Fewer system calls and OpenSSL calls per request on the connection a worker thread serves.
//
// cpp-httplib 0.11.4 (Debian's compiled library) makes, per keep-alive request over TLS
// (measured with strace and perf, docs/benchmarks.md):
//   - one SSL_read per byte of the request line and headers (its line reader takes one byte
//     at a time), each a full trip through OpenSSL's record layer;
//   - getpeername() and getsockname() for REMOTE_ADDR and LOCAL_ADDR;
//   - before each of its writes, poll() for POLLOUT and a poll() for input (a liveness check);
//   - two SSL_writes per response (status line and headers, then the body): two TLS records
//     and two write() calls.
// The hooks in socket_hooks.cpp route those calls here for the connection served on this
// thread (connection_budget.hpp knows which one that is); every other caller, and every other
// socket, goes straight to libc and OpenSSL. Here:
//   - reads: one SSL_read takes up to kReadBlock bytes of what OpenSSL already decrypted, and
//     the library's one-byte reads are served from that block (SSL_pending counts it, so the
//     library and the keep-alive check see those bytes as ready);
//   - writes: a response's writes are collected, up to kCollect bytes, and sent as one
//     SSL_write (one record, one write()) when the response is complete (flush_response(),
//     called from the logger), before the library waits for or reads more input (a client
//     sending "Expect: 100-continue" waits for the 100 before its body), or before the TLS
//     shutdown.
//     Bigger writes go out as they come. Since every write of the library goes through here,
//     its POLLOUT wait and liveness check are answered without asking the kernel; the real
//     writes here wait for the socket themselves, up to the write timeout;
//   - the peer's and our own address are asked of the kernel once per connection, and turned
//     into text (getnameinfo, an sprintf inside glibc) once per connection;
//   - a poll for input right after the kernel said there is input (the keep-alive wait, then
//     the read's own check) is answered from that answer.
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <optional>

namespace vt132::server {

// What one SSL_read asks OpenSSL for when the library reads less; a request head usually
// fits in one.
constexpr size_t kReadBlock = 4096;
// The most response bytes collected before writing: one TLS record's worth of plaintext.
constexpr size_t kCollect = 16 * 1024;

// The read and write buffers of the connection served on this thread, until destroyed
// (opened inside its ConnectionScope). `write_time`: how long a write waits for the client.
class ConnectionIo {
 public:
  explicit ConnectionIo(std::chrono::milliseconds write_time);
  ~ConnectionIo();
  ConnectionIo(const ConnectionIo&) = delete;
  ConnectionIo& operator=(const ConnectionIo&) = delete;
};

// Sends what this thread's connection collected of its response. False when that failed:
// the client is gone or did not read within the write timeout (the connection should end).
bool flush_response();

// ---- for socket_hooks.cpp: the hooks' bodies, which reach the real functions themselves ----
using SslReadFunction = int (*)(SSL*, void*, int);
using SslWriteFunction = int (*)(SSL*, const void*, int);
using SslPendingFunction = int (*)(const SSL*);
using SslShutdownFunction = int (*)(SSL*);
using PollFunction = int (*)(pollfd*, nfds_t, int);
using AddressFunction = int (*)(int, sockaddr*, socklen_t*);
using NameInfoFunction = int (*)(const sockaddr*, socklen_t, char*, socklen_t, char*, socklen_t, int);

int io_ssl_read(SSL* ssl, void* buf, int num);
int io_ssl_pending(const SSL* ssl);
int io_ssl_write(SSL* ssl, const void* buf, int num);
int io_ssl_shutdown(SSL* ssl);
// poll() once connection_budget's intercept_poll had no answer: answered here, or asked of
// the kernel and its answer noted.
int io_poll(pollfd* fds, nfds_t count, int timeout);
// getpeername() / getsockname(): the kernel is asked once per served connection.
int io_peer_address(int fd, sockaddr* addr, socklen_t* len);
int io_local_address(int fd, sockaddr* addr, socklen_t* len);
// getnameinfo(): numeric host text of the served connection's two addresses, from the cache.
int io_name_info(const sockaddr* addr, socklen_t len, char* host, socklen_t host_len, char* serv, socklen_t serv_len,
                 int flags);

}  // namespace vt132::server
