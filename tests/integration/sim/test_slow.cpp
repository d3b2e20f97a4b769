// A slow or trickling server cannot keep the modem busy: each transfer has a rate floor over
// a window and a deadline proportional to its size (OtaOptions::transfer), set small here
// through the sim's flags so the tests take seconds. Failing them leaves the old image.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <thread>

#include "support/fixture.hpp"

using simtest::Fixture;
using simtest::ReleaseOptions;
using simtest::paced;
using simtest::Route;
using simtest::SimProcess;

namespace {

// A 1 s window with the default 1 KiB/s floor; the deadline is out of the way unless a test
// tightens it.
const std::vector<std::string> kFastWindow = {"--rate-window", "1000", "--min-rate", "1024"};

double seconds_for(SimProcess& sim, const std::string& cmd, std::string& answer) {
  const auto t0 = std::chrono::steady_clock::now();
  answer = sim.command(cmd, 120000);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A TCP server on 127.0.0.1 that answers any connection with the start of a TLS handshake
// record (16 KiB announced) and then one byte every 200 ms, until the client hangs up.
class HandshakeTrickler {
 public:
  HandshakeTrickler() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sa;
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
    REQUIRE(::listen(fd_, 4) == 0);
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&sa), &len) == 0);
    port_ = ntohs(sa.sin_port);
    thread_ = std::thread([this] { run(); });
  }
  ~HandshakeTrickler() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url(const std::string& path) const { return "https://127.0.0.1:" + std::to_string(port_) + path; }

 private:
  void run() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      const char header[] = {0x16, 0x03, 0x03, 0x40, 0x00};  // handshake record, 16384 bytes
      bool ok = ::send(c, header, sizeof header, MSG_NOSIGNAL) == sizeof header;
      while (ok && !stop_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        ok = ::send(c, "A", 1, MSG_NOSIGNAL) == 1;
      }
      ::close(c);
    }
  }
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

void expect_old_image_kept(Fixture& f, SimProcess& sim) {
  CHECK(sim.command("AT+U$").find("BOOT    [app0] [VT132 V1.0.0]") != std::string::npos);
  sim.finish();
  CHECK(f.running_after_restart() == "VT132 V1.0.0 app0");
}

}  // namespace

TEST_SUITE("slow") {
  TEST_CASE("an image trickled at 2 bytes/s fails with TIMEOUT within the rate window, old image kept") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0");
    f.publish(img);
    // 128 KiB at once (two dots, half the slot written), then one byte every 500 ms.
    f.https->set("/dl/V1.1.0/VT132.bin", paced(img, 128 * 1024, 1, 500));
    auto sim = f.start_online(f.latest_url(), kFastWindow);
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nV1.1.0 [NEWER]\r\n\r\nOK\r\n");
    std::string up;
    const double s = seconds_for(*sim, "AT+U^", up);
    CHECK(up == "AT+U^\r\r\n..\r\nUPDATE FAILED: TIMEOUT\r\n\r\nERROR\r\n");
    MESSAGE("trickled download ended after " << s << " s");
    CHECK(s < 10);
    expect_old_image_kept(f, *sim);
  }

  TEST_CASE("a server that passes the rate floor but would miss the size deadline fails with TIMEOUT") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0");  // 200 KiB
    f.publish(img);
    // 4 KiB every 100 ms, about 40 KiB/s: five seconds for the image, well above the floor.
    f.https->set("/dl/V1.1.0/VT132.bin", paced(img, 0, 4096, 100));
    // The deadline: 500 ms plus the size at 100 KiB/s, about 2.5 s.
    auto extra = kFastWindow;
    extra.insert(extra.end(), {"--deadline-base", "500", "--deadline-rate", "102400"});
    auto sim = f.start_online(f.latest_url(), extra);
    CHECK(sim->command("AT+U?").find("[NEWER]") != std::string::npos);
    std::string up;
    const double s = seconds_for(*sim, "AT+U^", up);
    CHECK(up.find("\r\nUPDATE FAILED: TIMEOUT\r\n\r\nERROR\r\n") != std::string::npos);
    MESSAGE("paced download ended after " << s << " s");
    CHECK(s < 5);
    expect_old_image_kept(f, *sim);
  }

  TEST_CASE("a slow but steady link passes the default rules") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0");
    f.publish(img);
    f.https->set("/dl/V1.1.0/VT132.bin", paced(img, 0, 4096, 100));  // about 40 KiB/s
    auto sim = f.start_online(f.latest_url());
    CHECK(sim->command("AT+U?").find("[NEWER]") != std::string::npos);
    CHECK(sim->command("AT+U^", 120000) == "AT+U^\r\r\n...\r\n\r\nOK\r\n");
    sim->finish();
    CHECK(f.running_after_restart() == "VT132 V1.1.0 app1");
  }

  TEST_CASE("a release document trickled at 2 bytes/s fails the query with TIMEOUT") {
    Fixture f;
    const std::string json = f.publish(Fixture::image("V1.1.0"));
    Route r = paced(json, 100, 1, 500);
    r.content_type = "application/json";
    f.https->set("/repos/o/r/releases/latest", r);
    auto sim = f.start_online(f.latest_url(), kFastWindow);
    std::string answer;
    const double s = seconds_for(*sim, "AT+U?", answer);
    CHECK(answer == "AT+U?\r\r\nUPDATE FAILED: TIMEOUT\r\n\r\nERROR\r\n");
    CHECK(s < 10);
    CHECK(sim->command("AT+U^") == "AT+U^\r\r\nERROR\r\n");  // nothing was queried
  }

  TEST_CASE("a manifest trickled at 2 bytes/s fails with TIMEOUT before the image is fetched") {
    Fixture f;
    f.publish(Fixture::image("V1.1.0"));
    Route r = paced(f.last_manifest, 10, 1, 500);
    f.https->set("/dl/V1.1.0/vt132-manifest.json", r);
    auto sim = f.start_online(f.latest_url(), kFastWindow);
    CHECK(sim->command("AT+U?").find("[NEWER]") != std::string::npos);
    std::string up;
    const double s = seconds_for(*sim, "AT+U^", up);
    CHECK(up == "AT+U^\r\r\nUPDATE FAILED: TIMEOUT\r\n\r\nERROR\r\n");
    CHECK(s < 10);
    for (const auto& req : f.https->requests()) CHECK(req.find("VT132.bin") == std::string::npos);
    expect_old_image_kept(f, *sim);
  }

  TEST_CASE("an image whose TLS records trickle in a byte at a time fails with TIMEOUT, old image kept") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0");
    f.publish(img);
    // The encrypted stream itself: the first 128 KiB at once, then a byte every 500 ms, so
    // the record being read never completes and no read returns a byte.
    Route r = paced(img, 128 * 1024, 1, 500);
    r.pace_tls_bytes = true;
    f.https->set("/dl/V1.1.0/VT132.bin", r);
    // The read stuck in the record must return at the fixture's 3 s read timeout. A resume
    // would fetch the rest at once (the pacing restarts per connection), so the floor here
    // is set above what the burst averages over those 3 s: the guard ends it instead.
    auto sim = f.start_online(f.latest_url(), {"--rate-window", "1000", "--min-rate", "100000"});
    CHECK(sim->command("AT+U?").find("[NEWER]") != std::string::npos);
    std::string up;
    const double s = seconds_for(*sim, "AT+U^", up);
    // Some of the image was written (dots) before the stall.
    CHECK(std::regex_match(up, std::regex("AT\\+U\\^\r\r\n\\.+\r\nUPDATE FAILED: TIMEOUT\r\n\r\nERROR\r\n")));
    MESSAGE("record-trickled download ended after " << s << " s");
    CHECK(s < 10);
    expect_old_image_kept(f, *sim);
  }

  TEST_CASE("a TLS handshake trickled a byte at a time ends within the connect timeout") {
    Fixture f;
    HandshakeTrickler trickler;
    auto sim = f.start_online(trickler.url("/repos/o/r/releases/latest"));  // 3 s timeout
    std::string answer;
    const double s = seconds_for(*sim, "AT+U?", answer);
    CHECK(answer == "AT+U?\r\r\nUPDATE FAILED: TIMEOUT\r\n\r\nERROR\r\n");
    MESSAGE("trickled handshake ended after " << s << " s");
    CHECK(s < 6);
  }
}
