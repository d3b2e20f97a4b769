// recv() and poll() of the vt132-ota-server executable, in front of libc's.
//
// Debian's libcpp-httplib.so calls recv() and poll() through the dynamic linker
// (`nm -D libcpp-httplib.so.0.11.4`: U recv, U poll), and an executable's own definitions come
// first in symbol lookup, so the library's calls land here; we pass them on to the next
// definition (libc's, or the sanitizer's in an ASan build) after connection_budget.hpp has
// counted and framed them. Only threads serving a connection are affected. This file is linked
// into the executable itself (server/CMakeLists.txt): from the static library it would be
// dropped, nothing referencing it. run_server() refuses to start when the hooks are not
// the ones the dynamic linker resolves (socket_hooks_active()).
//
// Not compiled with _FORTIFY_SOURCE's inline wrappers, which would clash with these definitions.
#undef _FORTIFY_SOURCE
#include <dlfcn.h>
#include <poll.h>
#include <sys/socket.h>

#include "connection_budget.hpp"

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
  using PollFunction = int (*)(pollfd*, nfds_t, int);
  static const auto real = next_definition<PollFunction>("poll");
  if (const std::optional<int> answer = vt132::server::intercept_poll(fds, count)) return *answer;
  return real(fds, count, timeout);
}

namespace {

const bool registered = [] {
  vt132::server::register_socket_hooks(reinterpret_cast<const void*>(&recv), reinterpret_cast<const void*>(&poll));
  return true;
}();

}  // namespace
