#include "connection_budget.hpp"

#include <dlfcn.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

namespace vt132::server {

namespace {

using Clock = std::chrono::steady_clock;

// The connection served by this thread. Plain connections are framed exactly (body_left);
// TLS ones are counted in ciphertext at the socket BIO (allowed), where the framing is
// OpenSSL's and the library reads exactly what it parses.
struct Connection {
  bool armed = false;
  ConnectionLimits limits;
  int fd = -1;
  BIO* tls_bio = nullptr;
  SSL* ssl = nullptr;
  bool in_head = true;
  uint64_t used = 0;
  uint64_t allowed = 0;
  uint64_t body_left = 0;
  int head_state = kHeadStart;
  bool head_clock_started = false;
  Clock::time_point head_deadline;
  Refusal refused = Refusal::None;
  bool closing = false;
  // Between a response and the next request's first read: the library's keep-alive wait.
  bool awaiting_request = false;
};

thread_local Connection t;

SocketHooks g_hooks;

void begin_head() {
  t.in_head = true;
  t.used = 0;
  t.allowed = t.limits.head_bytes;
  t.head_state = kHeadStart;
  t.head_clock_started = false;
}

bool reads_blocked() { return t.closing || t.refused != Refusal::None; }

// The head's deadline runs from its first read; false (and refused) once it has passed.
bool head_in_time() {
  const Clock::time_point now = Clock::now();
  if (!t.head_clock_started) {
    t.head_clock_started = true;
    t.head_deadline = now + t.limits.head_time;
  } else if (now > t.head_deadline) {
    t.refused = Refusal::HeadTooSlow;
    return false;
  }
  return true;
}

ssize_t fail_read() {
  errno = ECONNRESET;
  return -1;
}

// ---- plain HTTP ----

ssize_t recv_head(RecvFunction real_recv, int fd, char* buf, size_t len, int flags) {
  if (!head_in_time()) return fail_read();
  const size_t room = t.allowed - t.used;
  if (room == 0) {
    t.refused = Refusal::HeadTooLarge;
    return fail_read();
  }
  // Look first, then take only up to the end of the head: what follows belongs to the body
  // or the next request, which the library would otherwise read into a buffer it discards.
  const ssize_t seen = real_recv(fd, buf, std::min(len, room), flags | MSG_PEEK);
  if (seen <= 0) return seen;
  int state = t.head_state;
  const size_t want = head_prefix(buf, static_cast<size_t>(seen), state);
  const ssize_t n = real_recv(fd, buf, want, flags);
  if (n <= 0) return n;
  t.used += static_cast<uint64_t>(n);
  head_prefix(buf, static_cast<size_t>(n), t.head_state);
  if (t.head_state == kHeadEnded) {
    t.in_head = false;
    t.body_left = 0;
  }
  return n;
}

ssize_t recv_body(RecvFunction real_recv, int fd, char* buf, size_t len, int flags) {
  const ssize_t n = real_recv(fd, buf, std::min<uint64_t>(len, t.body_left), flags);
  if (n > 0) t.body_left -= static_cast<uint64_t>(n);
  return n;
}

// ---- TLS ----

long on_tls_bio(BIO* bio, int oper, const char*, size_t, int, long, int ret, size_t* processed) {
  if (bio != t.tls_bio) return ret;
  if (oper == BIO_CB_FREE) {
    t.tls_bio = nullptr;
    t.ssl = nullptr;
    t.fd = -1;
    return ret;
  }
  if (oper == BIO_CB_READ) {  // before the read: refuse it without reading
    t.awaiting_request = false;
    if (reads_blocked() || (t.in_head && !head_in_time())) return -1;
    return ret;
  }
  // The read that crosses the budget is delivered (at most one TLS record, 16 KiB, more) and
  // the next one refused: the library then fails in the middle of the headers and answers,
  // instead of failing on the request line, which ends the connection without an answer.
  if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed != nullptr) {
    t.used += *processed;
    if (t.used > t.allowed) t.refused = Refusal::HeadTooLarge;
  }
  return ret;
}

void on_tls_info(const SSL* ssl, int where, int) {
  if (!t.armed) return;
  // The handshake's bytes count in the first head, its time not: a client may connect early
  // and send its first request up to --keep-alive-timeout later, like any later request.
  if ((where & SSL_CB_HANDSHAKE_DONE) && ssl == t.ssl) t.head_clock_started = false;
  if (!(where & SSL_CB_HANDSHAKE_START) || t.ssl != nullptr) return;
  BIO* bio = SSL_get_rbio(ssl);
  if (bio == nullptr) return;
  BIO_set_callback_ex(bio, on_tls_bio);
  t.tls_bio = bio;
  t.ssl = const_cast<SSL*>(ssl);
  t.fd = static_cast<int>(BIO_get_fd(bio, nullptr));
}

}  // namespace

ConnectionScope::ConnectionScope(const ConnectionLimits& limits) {
  t = Connection{};
  t.armed = true;
  t.limits = limits;
  begin_head();
}

ConnectionScope::~ConnectionScope() { t = Connection{}; }

Refusal refusal() { return t.refused; }

void expect_body(uint64_t content_length) {
  if (!t.armed) return;
  t.in_head = false;
  t.used = 0;
  t.body_left = content_length;
  // Ciphertext is a little larger than the plaintext, and the last records may already
  // carry the start of a pipelined request.
  t.allowed = content_length + content_length / 64 + t.limits.head_bytes;
}

void expect_next_request(bool close) {
  if (!t.armed) return;
  // An unread plain body would be parsed as the next request.
  const bool body_unread = t.ssl == nullptr && !t.in_head && t.body_left > 0;
  t.closing = t.closing || close || body_unread;
  t.awaiting_request = true;
  begin_head();
}

void watch_tls_connections(SSL_CTX& ctx) { SSL_CTX_set_info_callback(&ctx, on_tls_info); }

int served_fd() { return t.armed ? t.fd : -1; }

SSL* served_tls() { return t.armed ? t.ssl : nullptr; }

ssize_t budget_recv(RecvFunction real_recv, int fd, void* buf, size_t len, int flags) {
  if (!t.armed || (flags & MSG_PEEK) || len == 0 || t.ssl != nullptr) return real_recv(fd, buf, len, flags);
  if (t.fd < 0) t.fd = fd;
  if (fd != t.fd) return real_recv(fd, buf, len, flags);
  t.awaiting_request = false;
  if (reads_blocked()) return fail_read();
  if (!t.in_head && t.body_left == 0) begin_head();  // the body is done: the next request's head
  char* out = static_cast<char*>(buf);
  return t.in_head ? recv_head(real_recv, fd, out, len, flags) : recv_body(real_recv, fd, out, len, flags);
}

// Only the keep-alive wait is answered here: other polls for input (the library's liveness check
// before each write, which then peeks at the socket) must see the socket as it is.
std::optional<int> intercept_poll(pollfd* fds, nfds_t count) {
  if (!t.armed || !t.awaiting_request || count != 1 || fds[0].fd != t.fd || fds[0].events != POLLIN) {
    return std::nullopt;
  }
  if (t.closing) {  // keep-alive ends now instead of waiting for the client
    fds[0].revents = 0;
    errno = ECONNRESET;
    return -1;
  }
  if (t.ssl != nullptr && SSL_pending(t.ssl) > 0) {  // a pipelined request, already decrypted
    t.awaiting_request = false;  // the library reads it next, from OpenSSL's buffer
    fds[0].revents = POLLIN;
    return 1;
  }
  return std::nullopt;
}

void register_socket_hooks(const SocketHooks& hooks) { g_hooks = hooks; }

bool socket_hooks_active() {
  return g_hooks.recv != nullptr && g_hooks.recv == ::dlsym(RTLD_DEFAULT, "recv") &&
         g_hooks.poll == ::dlsym(RTLD_DEFAULT, "poll") && g_hooks.ssl_read == ::dlsym(RTLD_DEFAULT, "SSL_read") &&
         g_hooks.ssl_write == ::dlsym(RTLD_DEFAULT, "SSL_write");
}

size_t head_prefix(const char* data, size_t n, int& state) {
  for (size_t i = 0; i < n; ++i) {
    const char c = data[i];
    if (c == '\n') {
      if (state == 2) {
        state = kHeadEnded;
        return i + 1;
      }
      state = 1;  // at the start of a line
    } else {
      state = c == '\r' && state == 1 ? 2 : 0;  // 2: a line that so far is just CR
    }
  }
  return n;
}

}  // namespace vt132::server
