#include "connection_io.hpp"

#include <dlfcn.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "connection_budget.hpp"

namespace vt132::server {

namespace {

using Clock = std::chrono::steady_clock;

template <typename F>
F next_definition(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

// The definitions behind the executable's hooks (OpenSSL's and libc's, or a sanitizer's):
// what this file calls to reach the real thing. Calling poll() or SSL_write() by name here
// would land in the hooks again.
struct Next {
  SslReadFunction ssl_read = next_definition<SslReadFunction>("SSL_read");
  SslWriteFunction ssl_write = next_definition<SslWriteFunction>("SSL_write");
  SslPendingFunction ssl_pending = next_definition<SslPendingFunction>("SSL_pending");
  SslShutdownFunction ssl_shutdown = next_definition<SslShutdownFunction>("SSL_shutdown");
  PollFunction poll = next_definition<PollFunction>("poll");
  AddressFunction getpeername = next_definition<AddressFunction>("getpeername");
  AddressFunction getsockname = next_definition<AddressFunction>("getsockname");
  NameInfoFunction getnameinfo = next_definition<NameInfoFunction>("getnameinfo");
};

const Next& next() {
  static const Next functions;
  return functions;
}

struct Address {
  bool known = false;
  sockaddr_storage addr{};
  socklen_t len = 0;
  // getnameinfo(NI_NUMERICHOST) of addr: an IPv6 address with a scope name fits.
  char text[INET6_ADDRSTRLEN + IF_NAMESIZE + 1] = {};
  bool text_known = false;
};

// This thread's connection. The buffers belong to the TLS connection connection_budget.hpp
// names for the thread (served_tls()), which is set once per ConnectionScope. Trivially
// destructible, so the one-byte reads reach it without a thread_local guard; ~ConnectionIo
// frees the buffers.
struct Io {
  bool open = false;
  std::chrono::milliseconds write_time{30'000};
  char* block = nullptr;  // kReadBlock bytes, from the first read on
  size_t block_at = 0;
  size_t block_end = 0;
  std::string* out = nullptr;  // the response collected so far, from the first write on
  // The kernel last said the socket has input, and nothing was read since.
  bool known_readable = false;
  // A POLLOUT wait was answered: the library's liveness check comes next.
  bool expect_liveness = false;
  Address peer;
  Address local;
};

thread_local Io io;

bool mine(const SSL* ssl) { return io.open && ssl != nullptr && ssl == served_tls(); }

// The whole of `data` in one SSL_write, waiting for the client to take it up to the write
// timeout (the socket may be non-blocking, or have a send timeout of its own).
bool write_all(SSL* ssl, const char* data, size_t n) {
  const Clock::time_point deadline = Clock::now() + io.write_time;
  while (true) {
    const int written = next().ssl_write(ssl, data, static_cast<int>(n));
    if (written > 0) return true;  // all of it: the library's SSL has no partial writes
    const int error = SSL_get_error(ssl, written);
    if (error != SSL_ERROR_WANT_WRITE && error != SSL_ERROR_WANT_READ) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{SSL_get_fd(ssl), static_cast<short>(error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
    if (next().poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  }
}

// Copies up to `n` bytes of the read block to `dst`.
int take_from_block(char* dst, size_t n) {
  const size_t take = std::min(n, io.block_end - io.block_at);
  std::memcpy(dst, io.block + io.block_at, take);
  io.block_at += take;
  return static_cast<int>(take);
}

int cached_address(Address& cache, AddressFunction real, int fd, sockaddr* addr, socklen_t* len) {
  if (!io.open || fd < 0 || fd != served_fd() || addr == nullptr || len == nullptr) return real(fd, addr, len);
  if (!cache.known) {
    cache.len = sizeof cache.addr;
    if (real(fd, reinterpret_cast<sockaddr*>(&cache.addr), &cache.len) != 0) return -1;
    cache.known = true;
  }
  std::memcpy(addr, &cache.addr, std::min(*len, cache.len));
  *len = cache.len;
  return 0;
}

// The cached address `addr` is, if any: the library converts each to text once per request.
Address* cached_for(const sockaddr* addr, socklen_t len) {
  for (Address* cache : {&io.peer, &io.local}) {
    if (cache->known && len == cache->len && std::memcmp(addr, &cache->addr, len) == 0) return cache;
  }
  return nullptr;
}

}  // namespace

ConnectionIo::ConnectionIo(std::chrono::milliseconds write_time) {
  io = Io{};
  io.open = true;
  io.write_time = write_time;
}

ConnectionIo::~ConnectionIo() {
  delete[] io.block;
  delete io.out;
  io = Io{};
}

bool flush_response() {
  if (io.out == nullptr || io.out->empty()) return true;
  SSL* ssl = served_tls();
  const bool sent = io.open && ssl != nullptr && write_all(ssl, io.out->data(), io.out->size());
  io.out->clear();
  return sent;
}

int io_ssl_read(SSL* ssl, void* buf, int num) {
  if (num <= 0 || !mine(ssl)) return next().ssl_read(ssl, buf, num);
  // Whatever follows (a request body after "100 Continue", the next request) may wait for
  // the client to see what was written.
  if (!flush_response()) return -1;
  char* dst = static_cast<char*>(buf);
  const size_t want = static_cast<size_t>(num);
  if (io.block_at < io.block_end) return take_from_block(dst, want);
  io.known_readable = false;
  if (want >= kReadBlock) return next().ssl_read(ssl, buf, num);
  if (io.block == nullptr) io.block = new char[kReadBlock];
  const int got = next().ssl_read(ssl, io.block, static_cast<int>(kReadBlock));
  if (got <= 0) return got;
  io.block_at = 0;
  io.block_end = static_cast<size_t>(got);
  return take_from_block(dst, want);
}

int io_ssl_pending(const SSL* ssl) {
  // Once per byte of a request head: the block answers without asking OpenSSL (its callers
  // only ask whether anything is ready).
  if (mine(ssl) && io.block_at < io.block_end) return static_cast<int>(io.block_end - io.block_at);
  return next().ssl_pending(ssl);
}

int io_ssl_write(SSL* ssl, const void* buf, int num) {
  if (num <= 0 || !mine(ssl) || !SSL_is_init_finished(ssl)) return next().ssl_write(ssl, buf, num);
  const char* data = static_cast<const char*>(buf);
  const size_t n = static_cast<size_t>(num);
  if (io.out == nullptr) io.out = new std::string;
  if (io.out->size() + n > kCollect && !flush_response()) return -1;
  if (n > kCollect) return write_all(ssl, data, n) ? num : -1;
  io.out->append(data, n);
  return num;
}

int io_ssl_shutdown(SSL* ssl) {
  if (mine(ssl)) {
    flush_response();
    io.known_readable = false;
  }
  return next().ssl_shutdown(ssl);
}

int io_poll(pollfd* fds, nfds_t count, int timeout) {
  if (!io.open || count != 1 || fds[0].fd < 0 || fds[0].fd != served_fd()) return next().poll(fds, count, timeout);
  SSL* ssl = served_tls();
  const bool tls = ssl != nullptr && SSL_is_init_finished(ssl);
  pollfd& p = fds[0];
  // Every write on this connection is ours (io_ssl_write), and ours wait for the socket:
  // the library's wait before writing and its liveness check after it need no answer
  // from the kernel.
  if (tls && p.events == POLLOUT) {
    io.expect_liveness = true;
    p.revents = POLLOUT;
    return 1;
  }
  if (tls && p.events == POLLIN && timeout == 0 && io.expect_liveness) {
    io.expect_liveness = false;
    p.revents = 0;
    return 0;  // "no input": the library takes the connection as alive
  }
  io.expect_liveness = false;
  if (tls && p.events == POLLIN && io.known_readable) {
    p.revents = POLLIN;
    return 1;
  }
  // About to wait for the client, which may be waiting for what was collected ("100
  // Continue" before it sends a body).
  if (tls && (p.events & POLLIN) && !flush_response()) {
    errno = ECONNRESET;
    return -1;
  }
  const int ready = next().poll(fds, count, timeout);
  if (tls && ready > 0 && (p.events & POLLIN) && (p.revents & POLLIN)) io.known_readable = true;
  return ready;
}

int io_peer_address(int fd, sockaddr* addr, socklen_t* len) {
  return cached_address(io.peer, next().getpeername, fd, addr, len);
}

int io_local_address(int fd, sockaddr* addr, socklen_t* len) {
  return cached_address(io.local, next().getsockname, fd, addr, len);
}

int io_name_info(const sockaddr* addr, socklen_t len, char* host, socklen_t host_len, char* serv, socklen_t serv_len,
                 int flags) {
  Address* cache = io.open && addr != nullptr && host != nullptr && serv == nullptr && flags == NI_NUMERICHOST
                       ? cached_for(addr, len)
                       : nullptr;
  if (cache == nullptr) return next().getnameinfo(addr, len, host, host_len, serv, serv_len, flags);
  if (!cache->text_known) {
    const int rc = next().getnameinfo(addr, len, cache->text, sizeof cache->text, nullptr, 0, flags);
    if (rc != 0) return next().getnameinfo(addr, len, host, host_len, serv, serv_len, flags);
    cache->text_known = true;
  }
  const size_t n = std::strlen(cache->text) + 1;
  if (n > host_len) return EAI_OVERFLOW;
  std::memcpy(host, cache->text, n);
  return 0;
}

}  // namespace vt132::server
