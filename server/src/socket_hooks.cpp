// recv(), poll(), getpeername(), getsockname(), getnameinfo() and OpenSSL's SSL_read(), SSL_pending(),
// SSL_write() and SSL_shutdown() of the vt132-ota-server executable, in front of the real ones.
//
// Debian's libcpp-httplib.so calls all of them through the dynamic linker
// (`nm -D libcpp-httplib.so.0.11.4`: U recv, U poll, U SSL_read@OPENSSL_3.0.0, ...), and an
// executable's own definitions come first in symbol lookup, so the library's calls land here.
// connection_budget.hpp counts and frames what a served connection receives;
// connection_io.hpp saves system calls and OpenSSL calls per request; both pass everything
// else on to the next definition (libc's and libssl's, or the sanitizer's in an ASan build).
// Only threads serving a connection are affected. This file is linked into the executable
// itself (server/CMakeLists.txt): from the static library it would be dropped, nothing
// referencing it. run_server() refuses to start when the hooks are not the ones the dynamic
// linker resolves (socket_hooks_active()).
//
// Not compiled with _FORTIFY_SOURCE's inline wrappers, which would clash with these definitions.
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>

#include "connection_budget.hpp"
#include "connection_io.hpp"

namespace {

template <typename F>
F next_definition(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" ssize_t recv(int fd, void* buf, size_t len, int flags) {
  static const auto real = next_definition<vt132::server::RecvFunction>("recv");
  return vt132::server::budget_recv(real, fd, buf, len, flags);
}

extern "C" int poll(pollfd* fds, nfds_t count, int timeout) {
  if (const std::optional<int> answer = vt132::server::intercept_poll(fds, count)) return *answer;
  return vt132::server::io_poll(fds, count, timeout);
}

extern "C" int getpeername(int fd, sockaddr* __restrict addr, socklen_t* __restrict len) noexcept {
  return vt132::server::io_peer_address(fd, addr, len);
}

extern "C" int getsockname(int fd, sockaddr* __restrict addr, socklen_t* __restrict len) noexcept {
  return vt132::server::io_local_address(fd, addr, len);
}

extern "C" int getnameinfo(const sockaddr* __restrict addr, socklen_t len, char* __restrict host, socklen_t host_len,
                           char* __restrict serv, socklen_t serv_len, int flags) {
  return vt132::server::io_name_info(addr, len, host, host_len, serv, serv_len, flags);
}

extern "C" int SSL_read(SSL* ssl, void* buf, int num) { return vt132::server::io_ssl_read(ssl, buf, num); }

extern "C" int SSL_pending(const SSL* ssl) { return vt132::server::io_ssl_pending(ssl); }

extern "C" int SSL_write(SSL* ssl, const void* buf, int num) { return vt132::server::io_ssl_write(ssl, buf, num); }

extern "C" int SSL_shutdown(SSL* ssl) { return vt132::server::io_ssl_shutdown(ssl); }

namespace {

const bool registered = [] {
  vt132::server::SocketHooks hooks;
  hooks.recv = reinterpret_cast<const void*>(&recv);
  hooks.poll = reinterpret_cast<const void*>(&poll);
  hooks.ssl_read = reinterpret_cast<const void*>(&SSL_read);
  hooks.ssl_write = reinterpret_cast<const void*>(&SSL_write);
  vt132::server::register_socket_hooks(hooks);
  return true;
}();

}  // namespace
