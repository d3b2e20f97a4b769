#include "support/test_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace simtest {
namespace {

struct Conn {
  int fd;
  SSL* ssl;
  // Pacing (Route::pace_*) once started: of the body, or with Route::pace_tls_bytes of the
  // encrypted bytes, which OpenSSL then writes into `cipher` for us to dribble out.
  const Route* pace = nullptr;
  const std::atomic<bool>* stop = nullptr;
  size_t paced = 0;
  BIO* cipher = nullptr;

  bool send(const char* p, size_t n) {
    if (!cipher) return put(p, n, ssl != nullptr);
    if (n > 0 && SSL_write(ssl, p, static_cast<int>(n)) <= 0) return false;  // into memory: all of it
    char buf[4096];
    for (int k; (k = BIO_read(cipher, buf, sizeof buf)) > 0;) {
      if (!put(buf, static_cast<size_t>(k), false)) return false;
    }
    return true;
  }
  bool send(const std::string& s) { return send(s.data(), s.size()); }
  // Writes p over TLS or raw on the socket, at the pace once pacing has started; false when
  // the client went away or the server stops.
  bool put(const char* p, size_t n, bool tls) {
    while (n > 0) {
      size_t k = n;
      if (pace && paced >= pace->pace_after) {
        if (*stop) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(pace->pace_ms));
        k = std::min(pace->pace_bytes, n);
      } else if (pace) {
        k = std::min(n, pace->pace_after - paced);
      }
      const int w = tls ? SSL_write(ssl, p, static_cast<int>(k)) : static_cast<int>(::send(fd, p, k, MSG_NOSIGNAL));
      if (w <= 0) return false;
      p += w;
      n -= static_cast<size_t>(w);
      if (pace) paced += static_cast<size_t>(w);
    }
    return true;
  }
  int recv(char* p, size_t n) {
    return ssl ? SSL_read(ssl, p, static_cast<int>(n)) : static_cast<int>(::recv(fd, p, n, 0));
  }
};

}  // namespace

TestServer::TestServer(const std::string& cert_pem, const std::string& key_pem) {
  if (!cert_pem.empty()) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (SSL_CTX_use_certificate_chain_file(ctx_, cert_pem.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, key_pem.c_str(), SSL_FILETYPE_PEM) != 1) {
      throw std::runtime_error("test server: cannot load certificate");
    }
  }
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof sa;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(listen_fd_, 8) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    throw std::runtime_error("test server: cannot listen");
  }
  port_ = ntohs(sa.sin_port);
  thread_ = std::thread([this] { run(); });
}

TestServer::~TestServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
  if (ctx_) SSL_CTX_free(ctx_);
}

std::string TestServer::url(const std::string& path) const {
  return std::string(ctx_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
}

void TestServer::set(const std::string& path, Route route) {
  std::lock_guard<std::mutex> lock(mu_);
  routes_[path] = std::move(route);
}

std::vector<std::string> TestServer::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return log_;
}

void TestServer::run() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) handle(fd);
  }
}

void TestServer::handle(int fd) {
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  Conn c{fd, nullptr};
  if (ctx_) {
    c.ssl = SSL_new(ctx_);
    SSL_set_fd(c.ssl, fd);
    if (SSL_accept(c.ssl) != 1) {  // e.g. the client refused our certificate
      ERR_clear_error();
      SSL_free(c.ssl);
      ::close(fd);
      return;
    }
  }
  std::string req;
  char buf[4096];
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < 16384) {
    const int n = c.recv(buf, sizeof buf);
    if (n <= 0) break;
    req.append(buf, static_cast<size_t>(n));
  }
  const size_t sp1 = req.find(' ');
  const size_t sp2 = req.find(' ', sp1 + 1);
  const std::string path = sp1 == std::string::npos ? "" : req.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t range_from = 0;
  bool has_range = false;
  const size_t r = req.find("\r\nRange: bytes=");
  if (r != std::string::npos) {
    has_range = true;
    range_from = std::stoul(req.substr(r + 15));
  }
  Route route;
  bool found = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    log_.push_back("GET " + path + (has_range ? " Range: bytes=" + std::to_string(range_from) + "-" : ""));
    auto it = routes_.find(path);
    if (it != routes_.end()) {
      found = true;
      route = it->second;
      if (it->second.drops_left > 0) --it->second.drops_left;
    }
  }
  if (route.pace_ms > 0 && route.pace_tls_bytes && c.ssl) {  // from the first byte of the answer
    c.cipher = BIO_new(BIO_s_mem());
    SSL_set0_wbio(c.ssl, c.cipher);
    c.pace = &route;
    c.stop = &stop_;
  }
  std::string common = "Connection: close\r\nServer: vt132-sim-test\r\n";
  for (size_t i = 0; i < route.filler_headers; ++i) common += "X-Filler-" + std::to_string(i) + ": x\r\n";
  if (!found || route.status != 200) {
    const int status = found ? route.status : 404;
    c.send("HTTP/1.1 " + std::to_string(status) + " Nope\r\n" + common + "Content-Length: 4\r\n\r\nnope");
  } else if (!route.redirect_to.empty()) {
    c.send("HTTP/1.1 302 Found\r\n" + common + "Location: " + route.redirect_to + "\r\nContent-Length: 0\r\n\r\n");
  } else if (route.endless) {
    c.send("HTTP/1.1 200 OK\r\n" + common + "Content-Type: " + route.content_type + "\r\n\r\n");
    while (!stop_ && c.send(route.body)) {
    }
  } else {
    const bool partial = has_range && !route.ignore_range && range_from < route.body.size();
    const size_t from = partial ? range_from : 0;
    std::string head = partial ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n";
    head += common + "Content-Type: " + route.content_type + "\r\n";
    if (partial) {
      head += "Content-Range: bytes " + std::to_string(from) + "-" + std::to_string(route.body.size() - 1) + "/" +
              std::to_string(route.body.size()) + "\r\n";
    }
    const std::string body = route.body.substr(from);
    if (route.chunked) {
      c.send(head + "Transfer-Encoding: chunked\r\n\r\n");
      for (size_t i = 0; i < body.size(); i += 1000) {
        const std::string part = body.substr(i, 1000);
        char size[16];
        std::snprintf(size, sizeof size, "%zx\r\n", part.size());
        if (!c.send(size) || !c.send(part + "\r\n")) break;
      }
      c.send("0\r\n\r\n");
    } else {
      c.send(head + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n");
      const size_t n = route.drops_left > 0 && route.drop_after < body.size() ? route.drop_after : body.size();
      if (route.pace_ms > 0 && !c.cipher) {  // the body only
        c.pace = &route;
        c.stop = &stop_;
      }
      c.send(body.data(), n);
    }
  }
  if (c.ssl) {
    if (route.drops_left == 0) SSL_shutdown(c.ssl);
    SSL_free(c.ssl);
  }
  ::close(fd);
}

Route paced(const std::string& body, size_t after, size_t bytes, int ms) {
  Route r;
  r.body = body;
  r.pace_after = after;
  r.pace_bytes = bytes;
  r.pace_ms = ms;
  return r;
}

}  // namespace simtest
