#include "port/host_network.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vt132::hostport {

extern const char kCompiledInCas[];

namespace {

using core::port::NetError;

using SteadyClock = std::chrono::steady_clock;

SteadyClock::time_point deadline_after(uint32_t ms) { return SteadyClock::now() + std::chrono::milliseconds(ms); }

// After an OpenSSL call on a non-blocking socket returned `ret`: waits until the socket can
// do what OpenSSL needs, but not past `deadline`. 1: call again; 0: the deadline passed;
// -1: the connection failed or was closed.
int await_tls(SSL* ssl, int fd, int ret, SteadyClock::time_point deadline) {
  const int e = SSL_get_error(ssl, ret);
  if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) return -1;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now()).count();
  if (left <= 0) return 0;
  pollfd p{fd, static_cast<short>(e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
  const int r = ::poll(&p, 1, static_cast<int>(left));
  if (r < 0 && errno != EINTR) return -1;
  return 1;  // ready, interrupted, or timed out: the next round tells
}

// A TCP or TLS connection. TLS sockets are non-blocking so that every read and write ends by
// its deadline even when the peer sends a TLS record a byte at a time: a blocking SSL_read
// would wait for the whole record, one socket timeout per byte. (esp_tls bounds reads the
// same way on the device.)
class SocketStream : public core::port::Stream {
 public:
  SocketStream(int fd, SSL* ssl, uint32_t write_timeout_ms)
      : fd_(fd), ssl_(ssl), write_timeout_ms_(write_timeout_ms) {}
  ~SocketStream() override {
    if (ssl_) {
      SSL_shutdown(ssl_);
      SSL_free(ssl_);
    }
    ::close(fd_);
  }

  int read(uint8_t* buf, size_t cap, uint32_t timeout_ms) override {
    if (ssl_) {
      const auto deadline = deadline_after(timeout_ms);
      for (;;) {
        const int n = SSL_read(ssl_, buf, static_cast<int>(cap));
        if (n > 0) return n;
        const int w = await_tls(ssl_, fd_, n, deadline);
        if (w <= 0) return w;
      }
    }
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(timeout_ms));
    if (r == 0) return 0;
    if (r < 0) return errno == EINTR ? 0 : -1;
    const ssize_t n = ::recv(fd_, buf, cap, 0);
    if (n > 0) return static_cast<int>(n);
    if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
    return -1;
  }

  bool write(const uint8_t* data, size_t len) override {
    const auto deadline = deadline_after(write_timeout_ms_);
    while (len > 0) {
      const ssize_t n = ssl_ ? SSL_write(ssl_, data, static_cast<int>(len))
                             : ::send(fd_, data, len, MSG_NOSIGNAL);
      if (n <= 0) {
        if (ssl_) {
          if (await_tls(ssl_, fd_, static_cast<int>(n), deadline) <= 0) return false;
          continue;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
          pollfd p{fd_, POLLOUT, 0};
          ::poll(&p, 1, 1000);
          continue;
        }
        return false;
      }
      data += n;
      len -= static_cast<size_t>(n);
    }
    return true;
  }

 private:
  int fd_;
  SSL* ssl_;
  uint32_t write_timeout_ms_;
};

// The TLS handshake under one deadline for the whole of it, as esp_tls's connect timeout.
NetError handshake(SSL* ssl, int fd, uint32_t timeout_ms) {
  const auto deadline = deadline_after(timeout_ms);
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  for (;;) {
    const int r = SSL_connect(ssl);
    if (r == 1) break;
    const int w = await_tls(ssl, fd, r, deadline);
    if (w < 0) return NetError::Tls;
    if (w == 0) return NetError::Timeout;
  }
  return SSL_get_verify_result(ssl) == X509_V_OK ? NetError::Ok : NetError::Tls;
}

int connect_tcp(const char* host, uint16_t port, uint32_t timeout_ms, NetError& err) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  char service[8];
  std::snprintf(service, sizeof service, "%u", port);
  if (::getaddrinfo(host, service, &hints, &res) != 0 || !res) {
    err = NetError::Resolve;
    return -1;
  }
  int fd = -1;
  err = NetError::Connect;
  for (addrinfo* a = res; a && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    ::fcntl(fd, F_SETFL, O_NONBLOCK);
    int r = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (r < 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int soerr = 0;
      socklen_t len = sizeof soerr;
      r = (::poll(&p, 1, static_cast<int>(timeout_ms)) == 1 &&
           ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr == 0)
              ? 0
              : -1;
    }
    if (r != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(res);
  if (fd >= 0) {
    ::fcntl(fd, F_SETFL, 0);  // blocking again; reads wait through poll()
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    timeval tv{static_cast<time_t>(timeout_ms / 1000), static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    err = NetError::Ok;
  }
  return fd;
}

void add_pem_bundle(X509_STORE* store, const char* pem, size_t len) {
  BIO* bio = BIO_new_mem_buf(pem, static_cast<int>(len));
  while (X509* cert = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr)) {
    X509_STORE_add_cert(store, cert);
    X509_free(cert);
  }
  ERR_clear_error();
  BIO_free(bio);
}

}  // namespace

HostNetwork::HostNetwork(const std::vector<std::string>& extra_ca_files) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx_);
  add_pem_bundle(store, kCompiledInCas, std::strlen(kCompiledInCas));
  for (const auto& file : extra_ca_files) {
    if (SSL_CTX_load_verify_locations(ctx_, file.c_str(), nullptr) != 1) {
      std::fprintf(stderr, "vt132-sim: cannot load CA certificates from %s\n", file.c_str());
      std::exit(2);
    }
  }
}

HostNetwork::~HostNetwork() {
  if (listen_fd_ >= 0) ::close(listen_fd_);
  SSL_CTX_free(ctx_);
}

core::port::Stream* HostNetwork::connect(const char* host, uint16_t port, bool tls, uint32_t timeout_ms,
                                         NetError& err) {
  const int fd = connect_tcp(host, port, timeout_ms, err);
  if (fd < 0) return nullptr;
  SSL* ssl = nullptr;
  if (tls) {
    ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    in6_addr a6;
    in_addr a4;
    const bool is_ip = ::inet_pton(AF_INET, host, &a4) == 1 || ::inet_pton(AF_INET6, host, &a6) == 1;
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    if (is_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, host);
    } else {
      SSL_set_tlsext_host_name(ssl, host);
      X509_VERIFY_PARAM_set1_host(param, host, 0);
    }
    err = handshake(ssl, fd, timeout_ms);
    if (err != NetError::Ok) {
      ERR_clear_error();
      SSL_free(ssl);
      ::close(fd);
      return nullptr;
    }
  }
  ++open_;
  return new SocketStream(fd, ssl, timeout_ms);
}

void HostNetwork::close(core::port::Stream* stream) {
  if (!stream) return;
  --open_;
  delete stream;
}

bool HostNetwork::listen(uint16_t port) {
  if (port == listen_port_ && (port == 0 || listen_fd_ >= 0)) return true;
  if (listen_fd_ >= 0) ::close(listen_fd_);
  listen_fd_ = -1;
  listen_port_ = port;
  if (port == 0) return true;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 1) != 0) {
    ::close(fd);
    return false;
  }
  listen_fd_ = fd;
  return true;
}

core::port::Stream* HostNetwork::accept() {
  if (listen_fd_ < 0) return nullptr;
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return nullptr;
  ++open_;
  return new SocketStream(fd, nullptr, 0);  // plain: writes wait on the socket itself
}

}  // namespace vt132::hostport
