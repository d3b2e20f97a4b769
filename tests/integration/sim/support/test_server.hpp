#pragma once
// A small HTTP(S) file server on 127.0.0.1 for driving the sim's OTA client. It is a real
// TLS server (OpenSSL) with real sockets; what it is told to do differently is explicit per
// path: fail with a status, redirect, drop the connection part-way, ignore Range, never end,
// trickle, or send a flood of headers.
#include <openssl/ssl.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace simtest {

struct Route {
  std::string body;
  std::string content_type = "application/octet-stream";
  int status = 200;              // anything else is answered with a short error body
  std::string redirect_to;       // 302 to this absolute URL
  bool chunked = false;          // Transfer-Encoding: chunked instead of Content-Length
  bool ignore_range = false;     // always 200 with the whole body, like `openssl s_server -WWW`
  bool endless = false;          // repeats the body forever, no length
  size_t drop_after = 0;         // with drops_left > 0: close after this many body bytes
  int drops_left = 0;
  // With pace_ms > 0: the first pace_after body bytes at once, then pace_bytes every pace_ms
  // (a trickling or slow server).
  size_t pace_after = 0;
  size_t pace_bytes = 1;
  int pace_ms = 0;
  bool pace_tls_bytes = false;   // pace the encrypted bytes: TLS records arrive a few bytes at a time
  size_t filler_headers = 0;     // this many extra "X-Filler-N: x" header lines
};

// `body` served slowly: its first `after` bytes at once, then `bytes` every `ms` (a download
// still running when the test acts, or a trickling server).
Route paced(const std::string& body, size_t after, size_t bytes, int ms);

class TestServer {
 public:
  // With cert/key files: HTTPS; without: plain HTTP.
  TestServer(const std::string& cert_pem = "", const std::string& key_pem = "");
  ~TestServer();

  uint16_t port() const { return port_; }
  std::string url(const std::string& path) const;  // scheme://127.0.0.1:port/path
  void set(const std::string& path, Route route);
  // "GET /path" or "GET /path Range: bytes=N-", one per request, in order.
  std::vector<std::string> requests();

 private:
  void run();
  void handle(int fd);

  SSL_CTX* ctx_ = nullptr;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, Route> routes_;
  std::vector<std::string> log_;
  std::thread thread_;
};

}  // namespace simtest
