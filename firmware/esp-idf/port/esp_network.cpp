#include "port/esp_network.hpp"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <new>

#include "esp_crt_bundle.h"
#include "esp_log.h"
#include "esp_timer.h"
#include "esp_tls.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "lwip/netdb.h"
#include "lwip/sockets.h"

namespace vt132::espport {
namespace {

using core::port::NetError;

constexpr const char* kTag = "vt132-net";
// Answer mode: the modem writes to an accepted caller at most this long before giving up.
constexpr uint32_t kAcceptedWriteTimeoutMs = 10000;

int64_t now_ms() { return esp_timer_get_time() / 1000; }

// Milliseconds left until `deadline`, clamped at 0.
uint32_t left_until(int64_t deadline) {
  const int64_t left = deadline - now_ms();
  return left > 0 ? static_cast<uint32_t>(left) : 0;
}

// Waits until fd is readable (or writable) or the deadline passes. 1: ready; 0: time is up;
// -1: select failed.
int wait_fd(int fd, bool for_write, int64_t deadline) {
  const uint32_t left = left_until(deadline);
  fd_set set;
  FD_ZERO(&set);
  FD_SET(fd, &set);
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(left / 1000);
  tv.tv_usec = static_cast<suseconds_t>((left % 1000) * 1000);
  const int r = select(fd + 1, for_write ? nullptr : &set, for_write ? &set : nullptr, nullptr, &tv);
  return r > 0 ? 1 : (r == 0 ? 0 : -1);
}

bool set_nonblocking(int fd) {
  const int flags = fcntl(fd, F_GETFL, 0);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

// A plain TCP connection (http://, ATD, an answered call) on a non-blocking lwIP socket.
class SocketStream final : public core::port::Stream {
 public:
  SocketStream(int fd, uint32_t write_timeout_ms) : fd_(fd), write_timeout_ms_(write_timeout_ms) {}
  ~SocketStream() override { ::close(fd_); }
  SocketStream(const SocketStream&) = delete;
  SocketStream& operator=(const SocketStream&) = delete;

  int read(uint8_t* buf, size_t cap, uint32_t timeout_ms) override {
    const int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
      const ssize_t n = recv(fd_, buf, cap, 0);
      if (n > 0) return static_cast<int>(n);
      if (n == 0) return -1;  // the peer closed
      if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return -1;
      const int w = wait_fd(fd_, false, deadline);
      if (w <= 0) return w;
    }
  }

  bool write(const uint8_t* data, size_t len) override {
    const int64_t deadline = now_ms() + write_timeout_ms_;
    while (len > 0) {
      const ssize_t n = send(fd_, data, len, 0);
      if (n > 0) {
        data += n;
        len -= static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
      if (wait_fd(fd_, true, deadline) <= 0) return false;
    }
    return true;
  }

 private:
  int fd_;
  uint32_t write_timeout_ms_;
};

// A TLS connection through esp_tls, on a socket left non-blocking by the handshake
// (cfg.non_block), so a record trickling in a byte at a time cannot hold read() past its
// deadline.
class TlsStream final : public core::port::Stream {
 public:
  TlsStream(esp_tls_t* tls, int fd, uint32_t write_timeout_ms)
      : tls_(tls), fd_(fd), write_timeout_ms_(write_timeout_ms) {}
  ~TlsStream() override { esp_tls_conn_destroy(tls_); }
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  int read(uint8_t* buf, size_t cap, uint32_t timeout_ms) override {
    const int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
      const ssize_t n = esp_tls_conn_read(tls_, buf, cap);
      if (n > 0) return static_cast<int>(n);
      if (n == 0) return -1;  // close_notify or TCP FIN
      if (n != ESP_TLS_ERR_SSL_WANT_READ && n != ESP_TLS_ERR_SSL_WANT_WRITE) return -1;
      const int w = wait_fd(fd_, n == ESP_TLS_ERR_SSL_WANT_WRITE, deadline);
      if (w <= 0) return w;
    }
  }

  bool write(const uint8_t* data, size_t len) override {
    const int64_t deadline = now_ms() + write_timeout_ms_;
    while (len > 0) {
      const ssize_t n = esp_tls_conn_write(tls_, data, len);
      if (n > 0) {
        data += n;
        len -= static_cast<size_t>(n);
        continue;
      }
      if (n != ESP_TLS_ERR_SSL_WANT_READ && n != ESP_TLS_ERR_SSL_WANT_WRITE) return false;
      if (wait_fd(fd_, n == ESP_TLS_ERR_SSL_WANT_WRITE, deadline) <= 0) return false;
    }
    return true;
  }

 private:
  esp_tls_t* tls_;
  int fd_;
  uint32_t write_timeout_ms_;
};

// Resolves host and connects a non-blocking TCP socket within timeout_ms; -1 with err set.
int connect_tcp(const char* host, uint16_t port, uint32_t timeout_ms, NetError& err) {
  const int64_t deadline = now_ms() + timeout_ms;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  char service[8];
  std::snprintf(service, sizeof service, "%u", static_cast<unsigned>(port));
  addrinfo* res = nullptr;
  if (getaddrinfo(host, service, &hints, &res) != 0 || !res) {
    err = NetError::Resolve;
    return -1;
  }
  int fd = -1;
  err = NetError::Connect;
  for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
    if (fd < 0) continue;
    int r = set_nonblocking(fd) ? ::connect(fd, a->ai_addr, a->ai_addrlen) : -1;
    if (r < 0 && errno == EINPROGRESS) {
      const int w = wait_fd(fd, true, deadline);
      int so_error = 0;
      socklen_t so_len = sizeof so_error;
      if (w == 0) err = NetError::Timeout;
      r = (w == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &so_len) == 0 && so_error == 0) ? 0 : -1;
    }
    if (r != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(res);
  if (fd >= 0) {
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // typed keys go out at once
    err = NetError::Ok;
  }
  return fd;
}

NetError tls_error(esp_tls_t* tls, bool& certificate_refused) {
  esp_tls_error_handle_t h = nullptr;
  int code = 0;
  int flags = 0;
  certificate_refused = false;
  if (esp_tls_get_error_handle(tls, &h) != ESP_OK || !h) return NetError::Tls;
  int cert_flags = 0;
  if (esp_tls_get_and_clear_error_type(h, ESP_TLS_ERR_TYPE_MBEDTLS_CERT_FLAGS, &cert_flags) == ESP_OK && cert_flags) {
    certificate_refused = true;
  }
  if (esp_tls_get_and_clear_last_error(h, &code, &flags) != ESP_OK) return NetError::Tls;
  switch (code) {
    case ESP_ERR_ESP_TLS_CANNOT_RESOLVE_HOSTNAME:
      return NetError::Resolve;
    case ESP_ERR_ESP_TLS_CONNECTION_TIMEOUT:
    case ESP_ERR_TIMEOUT:  // esp_tls's own connect timer (its backstop, see try_tls)
      return NetError::Timeout;
    case ESP_ERR_ESP_TLS_CANNOT_CREATE_SOCKET:
    case ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST:
      return NetError::Connect;
    case ESP_ERR_NO_MEM:
      return NetError::NoMemory;
    default:
      return NetError::Tls;
  }
}

// How long one wait for the handshake's next bytes may last before esp_tls is asked again:
// waiting on the wrong direction (rare: mbedTLS mostly waits to read) then costs at most this.
constexpr uint32_t kHandshakeWaitSliceMs = 20;
constexpr uint32_t kTlsBackstopMs = 1000;

// Drives an esp_tls_conn_new_async connection to its end or to the deadline. The loop waits
// on the socket between steps instead of spinning: esp_tls's own non-blocking steps return at
// once, and a spinning main task would starve the idle task until the task watchdog resets
// the board. 1: connected; -1: failed; 0: the deadline passed.
int drive_handshake(esp_tls_t* tls, const char* host, uint16_t port, const esp_tls_cfg_t& cfg, int64_t deadline) {
  const int host_len = static_cast<int>(std::strlen(host));
  for (;;) {
    const int r = esp_tls_conn_new_async(host, host_len, port, &cfg, tls);
    if (r != 0) return r;
    const uint32_t left = left_until(deadline);
    if (left == 0) return 0;
    esp_tls_conn_state_t state = ESP_TLS_INIT;
    int fd = -1;
    if (esp_tls_get_conn_state(tls, &state) == ESP_OK && esp_tls_get_conn_sockfd(tls, &fd) == ESP_OK && fd >= 0) {
      const uint32_t slice = left < kHandshakeWaitSliceMs ? left : kHandshakeWaitSliceMs;
      if (wait_fd(fd, state == ESP_TLS_CONNECTING, now_ms() + slice) < 0) return -1;
    } else {
      vTaskDelay(1);  // no socket yet (name resolution): let lower-priority tasks run
    }
  }
}

// One esp_tls connection attempt trusting either the certificate bundle (ca empty) or ca.
esp_tls_t* try_tls(const char* host, uint16_t port, const PemText& ca, uint32_t timeout_ms, NetError& err,
                   bool& certificate_refused) {
  certificate_refused = false;
  esp_tls_t* tls = esp_tls_init();
  if (!tls) {
    err = NetError::NoMemory;
    return nullptr;
  }
  esp_tls_cfg_t cfg{};
  if (ca.empty()) {
    cfg.crt_bundle_attach = esp_crt_bundle_attach;
  } else {
    cfg.cacert_buf = reinterpret_cast<const unsigned char*>(ca.text);
    cfg.cacert_bytes = static_cast<unsigned int>(ca.size);
  }
  // Non-blocking from the connect on; the socket stays so afterwards, which TlsStream needs.
  cfg.non_block = true;
  // esp_tls times each phase itself; that is only a backstop a second behind the port's
  // deadline for the whole connect and handshake, which ends it first and reports Timeout.
  constexpr uint32_t kLongest = INT32_MAX - kTlsBackstopMs;  // cfg.timeout_ms is an int
  cfg.timeout_ms = static_cast<int>((timeout_ms < kLongest ? timeout_ms : kLongest) + kTlsBackstopMs);
  // The server's name (SNI and the certificate's subject) is checked against host.
  const int r = drive_handshake(tls, host, port, cfg, now_ms() + timeout_ms);
  if (r == 1) {
    err = NetError::Ok;
    return tls;
  }
  err = r == 0 ? NetError::Timeout : tls_error(tls, certificate_refused);
  esp_tls_conn_destroy(tls);
  return nullptr;
}

}  // namespace

EspNetwork::EspNetwork(const PemText& lan_ca) : lan_ca_(lan_ca) {}

EspNetwork::~EspNetwork() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

core::port::Stream* EspNetwork::connect(const char* host, uint16_t port, bool tls, uint32_t timeout_ms,
                                        NetError& err) {
  if (!host || !host[0]) {
    err = NetError::Resolve;
    return nullptr;
  }
  if (tls) return connect_tls(host, port, timeout_ms, err);
  const int fd = connect_tcp(host, port, timeout_ms, err);
  if (fd < 0) return nullptr;
  auto* s = new (std::nothrow) SocketStream(fd, timeout_ms);
  if (!s) {
    ::close(fd);
    err = NetError::NoMemory;
  }
  return s;
}

core::port::Stream* EspNetwork::connect_tls(const char* host, uint16_t port, uint32_t timeout_ms, NetError& err) {
  const int64_t deadline = now_ms() + timeout_ms;
  bool refused = false;
  esp_tls_t* tls = try_tls(host, port, PemText{}, timeout_ms, err, refused);
  // Only a certificate the bundle does not vouch for is retried against the LAN CA, in the
  // time left: a timeout or a refused connection would not change.
  if (!tls && refused && !lan_ca_.empty()) {
    const uint32_t left = left_until(deadline);
    if (left == 0) {
      err = NetError::Timeout;
      return nullptr;
    }
    tls = try_tls(host, port, lan_ca_, left, err, refused);
  }
  if (!tls) {
    ESP_LOGW(kTag, "TLS to %s:%u failed (%d)", host, static_cast<unsigned>(port), static_cast<int>(err));
    return nullptr;
  }
  int fd = -1;
  TlsStream* s = esp_tls_get_conn_sockfd(tls, &fd) == ESP_OK ? new (std::nothrow) TlsStream(tls, fd, timeout_ms)
                                                              : nullptr;
  if (!s) {
    esp_tls_conn_destroy(tls);
    err = NetError::NoMemory;
  }
  return s;
}

void EspNetwork::close(core::port::Stream* stream) { delete stream; }

bool EspNetwork::listen(uint16_t port) {
  if (port == listen_port_ && (port == 0 || listen_fd_ >= 0)) return true;
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  listen_port_ = port;
  if (port == 0) return true;
  const int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
  if (fd < 0) return false;
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_ANY);
  // Non-blocking, so accept() only picks up a caller already waiting.
  if (!set_nonblocking(fd) || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 1) != 0) {
    ::close(fd);
    return false;
  }
  listen_fd_ = fd;
  return true;
}

core::port::Stream* EspNetwork::accept() {
  if (listen_fd_ < 0) return nullptr;
  const int fd = ::accept(listen_fd_, nullptr, nullptr);
  if (fd < 0) return nullptr;
  if (!set_nonblocking(fd)) {
    ::close(fd);
    return nullptr;
  }
  auto* s = new (std::nothrow) SocketStream(fd, kAcceptedWriteTimeoutMs);
  if (!s) ::close(fd);
  return s;
}

}  // namespace vt132::espport
