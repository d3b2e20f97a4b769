// The modem as a Wi-Fi modem for an RC2014: calls over real TCP on loopback.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/fixture.hpp"

using simtest::Fixture;

namespace {

// Accepts one call and echoes what it receives, upper-cased so the echo is told apart
// from the modem's own command echo. close_after_ms > 0 hangs up from this side.
class EchoServer {
 public:
  explicit EchoServer(int close_after_ms = 0) : close_after_ms_(close_after_ms) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa);
    ::listen(fd_, 1);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port = ntohs(sa.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~EchoServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port = 0;

 private:
  void run() {
    pollfd p{fd_, POLLIN, 0};
    while (!stop_ && ::poll(&p, 1, 50) == 0) {
    }
    if (stop_) return;
    const int c = ::accept(fd_, nullptr, nullptr);
    const auto start = std::chrono::steady_clock::now();
    char buf[256];
    while (!stop_) {
      if (close_after_ms_ > 0 && std::chrono::steady_clock::now() - start > std::chrono::milliseconds(close_after_ms_)) break;
      pollfd q{c, POLLIN, 0};
      if (::poll(&q, 1, 20) <= 0) continue;
      const ssize_t n = ::recv(c, buf, sizeof buf, 0);
      if (n <= 0) break;
      for (ssize_t i = 0; i < n; ++i) buf[i] = static_cast<char>(toupper(buf[i]));
      ::send(c, buf, static_cast<size_t>(n), MSG_NOSIGNAL);
    }
    ::close(c);
  }
  int fd_ = -1;
  int close_after_ms_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

int connect_to(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 ? fd : -1;
}

}  // namespace

TEST_SUITE("dial") {
  TEST_CASE("ATD connects, data flows both ways, +++ with guard time returns to command mode") {
    Fixture f;
    EchoServer echo;
    auto sim = f.start();
    sim->command("AT+W=home,secret");
    sim->command("ATS12=10");  // guard time 0.2 s to keep the test short
    const std::string dial = "ATD127.0.0.1:" + std::to_string(echo.port);
    CHECK(sim->command(dial) == dial + "\r\r\nCONNECT\r\n");
    sim->send("hello rc2014");
    CHECK(sim->read_until("HELLO RC2014", 5000) == "HELLO RC2014");
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    sim->send("+++");
    CHECK(sim->read_until("OK\r\n", 5000) == "\r\nOK\r\n");
    CHECK(sim->command("ATI1") == "ATI1\r\r\nV1.0.0\r\n\r\nOK\r\n");
    CHECK(sim->command("ATO") == "ATO\r\r\nCONNECT\r\n");
    sim->send("again");
    CHECK(sim->read_until("AGAIN", 5000) == "AGAIN");
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    sim->send("+++");
    sim->read_until("OK\r\n", 5000);
    CHECK(sim->command("ATH") == "ATH\r\r\nOK\r\n");
    CHECK(sim->command("ATO") == "ATO\r\r\nNO CARRIER\r\n");
  }

  TEST_CASE("plus signs inside data do not escape") {
    Fixture f;
    EchoServer echo;
    auto sim = f.start();
    sim->command("AT+W=home,secret");
    sim->command("ATD127.0.0.1:" + std::to_string(echo.port));
    sim->send("a+++b");
    CHECK(sim->read_until("A+++B", 5000) == "A+++B");
  }

  TEST_CASE("the remote hanging up gives NO CARRIER") {
    Fixture f;
    EchoServer echo(300);
    auto sim = f.start();
    sim->command("AT+W=home,secret");
    CHECK(sim->command("ATD127.0.0.1:" + std::to_string(echo.port)).find("CONNECT") != std::string::npos);
    CHECK(sim->read_until("NO CARRIER\r\n", 5000) == "\r\nNO CARRIER\r\n");
    CHECK(sim->command("AT") == "AT\r\r\nOK\r\n");
  }

  TEST_CASE("dialling without Wi-Fi or to nobody fails with the modem's codes") {
    Fixture f;
    auto sim = f.start();
    CHECK(sim->command("ATD127.0.0.1:1") == "ATD127.0.0.1:1\r\r\nNO DIALTONE\r\n");
    sim->command("AT+W=home,secret");
    CHECK(sim->command("ATD127.0.0.1:1") == "ATD127.0.0.1:1\r\r\nNO ANSWER\r\n");
  }

  TEST_CASE("answer mode rings, ATA answers, and the caller's data arrives") {
    Fixture f;
    auto sim = f.start();
    EchoServer probe;  // only to find a free port number
    const uint16_t port = static_cast<uint16_t>(probe.port + 1);
    sim->command("ATS14=" + std::to_string(port));
    CHECK(sim->command("AT&A0") == "AT&A0\r\r\nOK\r\n");
    int caller = -1;
    for (int i = 0; i < 50 && caller < 0; ++i) {
      caller = connect_to(port);
      if (caller < 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(caller >= 0);
    CHECK(sim->read_until("RING\r\n", 5000) == "\r\nRING\r\n");
    CHECK(sim->command("ATA") == "ATA\r\r\nCONNECT\r\n");
    ::send(caller, "from afar", 9, 0);
    CHECK(sim->read_until("from afar", 5000) == "from afar");
    ::close(caller);
    CHECK(sim->read_until("NO CARRIER\r\n", 5000) == "\r\nNO CARRIER\r\n");
  }
}
