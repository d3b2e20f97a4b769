// Hostile clients against the real server over loopback: oversized and slow request heads,
// header floods, stalled handshakes and uploads at once. Each is answered (431, 408, 400) or
// cut, the server's RSS stays under its documented ceiling, and its threads end afterwards.
#include <doctest/doctest.h>

#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "e2e_helpers.hpp"
#include "server_process.hpp"

using namespace vt132::test;

namespace {

using Clock = std::chrono::steady_clock;

// One field of /proc/PID/status as a number (kB for VmRSS).
long proc_status(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// Waits (at most `limit`) for `done`, checking every 50 ms.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto deadline = Clock::now() + limit;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// One client connection, plain or TLS (no verification: these tests are about limits).
class Client {
 public:
  Client(int port, bool tls) : fd_(connect_loopback(port)) {
    timeval tv{15, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (!tls) return;
    ctx_ = SSL_CTX_new(TLS_client_method());
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    REQUIRE(SSL_connect(ssl_) == 1);
  }
  ~Client() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    if (ctx_ != nullptr) SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends what the server takes; false once it stopped taking (closed the connection).
  bool send(const std::string& data) {
    if (ssl_ != nullptr) return SSL_write(ssl_, data.data(), static_cast<int>(data.size())) > 0;
    size_t off = 0;
    while (off < data.size()) {
      const ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // Everything until the server closes (or 15 s of silence).
  std::string answer() {
    std::string out;
    char buf[4096];
    while (true) {
      const long n = ssl_ != nullptr ? SSL_read(ssl_, buf, sizeof buf) : ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
};

std::string status_line(const std::string& answer) { return answer.substr(0, answer.find('\r')); }

std::string tiny_headers(size_t bytes) {
  std::string out;
  while (out.size() + 5 <= bytes) out += "a:b\r\n";
  return out;
}

}  // namespace

TEST_SUITE("server_attacks") {
  TEST_CASE("request heads past the budget and over 100 header fields get 431, on HTTPS and plain HTTP") {
    ServerProcess s;
    s.start();
    for (const bool tls : {true, false}) {
      CAPTURE(tls);
      const int port = tls ? s.https_port() : s.http_port();
      {
        Client c(port, tls);  // one 40 KB header line (the library would hold any length)
        c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(40 * 1024, 'a') + "\r\n\r\n");
        CHECK(status_line(c.answer()) == "HTTP/1.1 431 Request Header Fields Too Large");
      }
      {
        Client c(port, tls);  // a flood of tiny headers past the budget
        c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n" + tiny_headers(40 * 1024) + "\r\n");
        CHECK(status_line(c.answer()) == "HTTP/1.1 431 Request Header Fields Too Large");
      }
      for (const int fields : {100, 101}) {
        Client c(port, tls);
        std::string head = "GET /healthz HTTP/1.1\r\nConnection: close\r\n";
        for (int i = 1; i < fields; ++i) head += "X-" + std::to_string(i) + ": y\r\n";
        c.send(head + "\r\n");
        CHECK(status_line(c.answer()) ==
              std::string(fields == 100 ? "HTTP/1.1 200 OK" : "HTTP/1.1 431 Request Header Fields Too Large"));
      }
    }
    CHECK(s.https()->Get("/healthz")->status == 200);
  }

  TEST_CASE("a request head trickled past --request-head-timeout gets 408") {
    ServerProcess s({"--request-head-timeout", "1"});
    s.start();
    Client c(s.http_port(), false);
    const auto start = Clock::now();
    c.send("GET /healthz HTTP/1.1\r\n");
    // One header line every 200 ms keeps each read within --read-timeout; the whole head not.
    for (int i = 0; i < 50 && c.send("X-" + std::to_string(i) + ": y\r\n"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (Clock::now() - start > std::chrono::seconds(2)) break;
    }
    c.send("\r\n");
    CHECK(status_line(c.answer()) == "HTTP/1.1 408 Request Timeout");
  }

  TEST_CASE("the attack set stays under the memory ceiling, and the threads it took end afterwards") {
    // Small limits so the attack fills them quickly; the ceiling formula is the documented one
    // (docs/security.md): 24 MB + listeners x max-threads x (32 x max-request-head + 256 KiB).
    constexpr long kThreads = 48;  // per listener: HTTPS and plain HTTP
    constexpr long kListeners = 2;
    constexpr long kHead = 16 * 1024;
    ServerProcess s({"--max-threads", std::to_string(kThreads), "--max-queue", "16", "--worker-idle-timeout", "1",
                     "--read-timeout", "3", "--request-head-timeout", "3", "--keep-alive-timeout", "2",
                     "--access-log", "false"});
    s.start();
    const uint64_t release = create_release(s, "V1.0.0", true);
    const pid_t pid = s.pid();
    REQUIRE(eventually([&] { return proc_status(pid, "Threads") <= 5; }, std::chrono::seconds(10)));
    const long base_threads = proc_status(pid, "Threads");
    const long ceiling_kb = 24 * 1024 + kListeners * kThreads * (32 * kHead + 256 * 1024) / 1024;

    std::atomic<bool> attacking{true};
    std::atomic<long> peak_rss{0}, peak_threads{0};
    std::thread sampler([&] {
      while (attacking) {
        peak_rss = std::max(peak_rss.load(), proc_status(pid, "VmRSS"));
        peak_threads = std::max(peak_threads.load(), proc_status(pid, "Threads"));
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });

    std::vector<std::thread> attackers;
    std::atomic<int> flood_answers{0}, long_line_431{0}, uploads_ok{0};
    // Header floods held open until the head deadline: the most memory one connection can hold.
    for (int i = 0; i < 12; ++i) {
      attackers.emplace_back([&, tls = i % 2 == 0] {
        Client c(tls ? s.https_port() : s.http_port(), tls);
        c.send("GET /healthz HTTP/1.1\r\n" + tiny_headers(kHead - 2048));
        const std::string a = status_line(c.answer());
        if (a == "HTTP/1.1 408 Request Timeout" || a == "HTTP/1.1 400 Bad Request" || a.empty()) ++flood_answers;
      });
    }
    // Giant header lines.
    for (int i = 0; i < 4; ++i) {
      attackers.emplace_back([&, tls = i % 2 == 0] {
        Client c(tls ? s.https_port() : s.http_port(), tls);
        c.send("GET / HTTP/1.1\r\nX: " + std::string(40 * 1024, 'a'));
        if (status_line(c.answer()) == "HTTP/1.1 431 Request Header Fields Too Large") ++long_line_431;
      });
    }
    // Parallel uploads.
    const std::string body = image("V1.0.0", 2 << 20);
    for (int i = 0; i < 8; ++i) {
      attackers.emplace_back([&, i] {
        auto res = upload(s, release, "a" + std::to_string(i) + ".bin", body);
        if (res && res->status == 201) ++uploads_ok;
      });
    }
    // Stalled TLS handshakes and stalled plain heads: nothing more after the connect / first line.
    std::vector<std::unique_ptr<int, void (*)(int*)>> stalled;
    for (int i = 0; i < 16; ++i) {
      for (const int port : {s.https_port(), s.http_port()}) {
        const int fd = connect_loopback(port);
        if (port == s.http_port()) send_all(fd, "GET / HTTP/1.1\r\n");
        stalled.emplace_back(new int(fd), [](int* p) {
          ::close(*p);
          delete p;
        });
      }
    }
    for (std::thread& t : attackers) t.join();
    stalled.clear();
    const bool threads_returned =
        eventually([&] { return proc_status(pid, "Threads") <= base_threads; }, std::chrono::seconds(30));
    attacking = false;
    sampler.join();

    CHECK(flood_answers == 12);
    CHECK(long_line_431 == 4);
    CHECK(uploads_ok == 8);
    CHECK(peak_threads <= base_threads + kListeners * kThreads);
    CHECK_MESSAGE(threads_returned, "threads now: " << proc_status(pid, "Threads") << ", before: " << base_threads);
#if defined(__SANITIZE_ADDRESS__)
    MESSAGE("ASan build: peak RSS " << peak_rss.load() << " kB not checked against " << ceiling_kb
                                    << " kB (shadow memory and quarantine)");
#else
    CHECK_MESSAGE(peak_rss <= ceiling_kb, "peak RSS " << peak_rss.load() << " kB, ceiling " << ceiling_kb << " kB");
#endif
    MESSAGE("peak RSS " << peak_rss.load() << " kB, peak threads " << peak_threads.load() << ", threads after " << base_threads);
    CHECK(s.https()->Get("/healthz")->status == 200);
  }
}
