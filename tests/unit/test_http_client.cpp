#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "vt132/core/net/http_client.hpp"
#include "vt132/core/net/url.hpp"
#include "../support/scripted_net.hpp"

using namespace vt132::core;

namespace {

using vt132::test::FakeClock;
using vt132::test::ScriptedNet;

// An HttpClient with its receive buffer, on the net's clock when the test moves one.
struct ClientStorage {
  uint8_t rx[1024];
  FakeClock own_clock;
};
struct Client : ClientStorage, HttpClient {
  Client(ScriptedNet& net, uint32_t timeout_ms)
      : HttpClient(net, net.clock ? *net.clock : own_clock, timeout_ms, rx, sizeof rx) {}
};

std::string read_all(HttpClient& c, int& last) {
  std::string body;
  uint8_t buf[5];
  for (;;) {
    last = c.read_body(buf, sizeof buf);
    if (last <= 0) return body;
    body.append(reinterpret_cast<char*>(buf), static_cast<size_t>(last));
  }
}

}  // namespace

TEST_SUITE("http_client") {
  TEST_CASE("URLs: scheme, host, port and path") {
    Url u;
    REQUIRE(parse_url("https://api.github.com/repos/a/b/releases/latest", u));
    CHECK(u.tls);
    CHECK(std::string(u.host) == "api.github.com");
    CHECK(u.port == 443);
    CHECK(std::string(u.path) == "/repos/a/b/releases/latest");
    REQUIRE(parse_url("HTTP://[::1]:5500", u));
    CHECK(std::string(u.host) == "::1");
    CHECK(u.port == 5500);
    CHECK(std::string(u.path) == "/");
    for (const char* bad : {"ftp://h/x", "http://", "http://u@h/", "http://h:0/", "http://h:65536/", "http://h:x/",
                            "https://h/a b", "http://h?x"}) {
      CHECK_MESSAGE(!parse_url(bad, u), bad);
    }
  }

  TEST_CASE("a Content-Length body arrives whole however the bytes are split") {
    ScriptedNet net;
    net.responses = {"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":\"bc\"}\nEXTRA"};
    Client c(net, 1000);
    HttpResponse r;
    REQUIRE(c.get("http://h:8080/x", 0, r) == HttpError::Ok);
    CHECK(r.status == 200);
    CHECK(std::string(r.content_type) == "application/json");
    int last = 0;
    CHECK(read_all(c, last) == "{\"a\":\"bc\"}\n");
    CHECK(last == 0);
    c.close();
    CHECK(net.requests[0] ==
          "GET /x HTTP/1.1\r\nHost: h:8080\r\nUser-Agent: VT132\r\nAccept: */*\r\nConnection: close\r\n\r\n");
  }

  TEST_CASE("every request, redirects and ranges included, carries the User-Agent it was given") {
    ScriptedNet net;
    net.responses = {"HTTP/1.1 302 Found\r\nLocation: /img\r\nContent-Length: 0\r\n\r\n",
                     "HTTP/1.1 206 Partial\r\nContent-Range: bytes 7-9/10\r\nContent-Length: 3\r\n\r\nabc"};
    Client c(net, 1000);
    const char* ua = "VT132/V1.0.0 (esp32; id=0123abcd; slot=app0; state=valid)";
    c.set_user_agent(ua);
    HttpResponse r;
    REQUIRE(c.get("http://h/x", 7, r) == HttpError::Ok);
    c.close();
    REQUIRE(net.requests.size() == 2);
    CHECK(net.requests[0] == "GET /x HTTP/1.1\r\nHost: h\r\nUser-Agent: " + std::string(ua) +
                                 "\r\nAccept: */*\r\nRange: bytes=7-\r\nConnection: close\r\n\r\n");
    CHECK(net.requests[1] == "GET /img HTTP/1.1\r\nHost: h\r\nUser-Agent: " + std::string(ua) +
                                 "\r\nAccept: */*\r\nRange: bytes=7-\r\nConnection: close\r\n\r\n");
  }

  TEST_CASE("chunked bodies are decoded") {
    ScriptedNet net;
    net.responses = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nWiki\r\n5\r\npedia\r\n0\r\nT: 1\r\n\r\n"};
    Client c(net, 1000);
    HttpResponse r;
    REQUIRE(c.get("https://h/", 0, r) == HttpError::Ok);
    int last = 0;
    CHECK(read_all(c, last) == "Wikipedia");
    CHECK(last == 0);
  }

  TEST_CASE("a broken chunk is a protocol error") {
    ScriptedNet net;
    net.responses = {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWikiXX\r\n0\r\n\r\n"};
    Client c(net, 1000);
    HttpResponse r;
    REQUIRE(c.get("https://h/", 0, r) == HttpError::Ok);
    int last = 0;
    read_all(c, last);
    CHECK(last < 0);
    CHECK(c.last_error() == HttpError::Protocol);
  }

  TEST_CASE("redirects are followed, relative ones on the same origin") {
    ScriptedNet net;
    net.responses = {"HTTP/1.1 302 Found\r\nLocation: https://objects.example:8443/blob?sig=1\r\n\r\n",
                     "HTTP/1.1 301 Moved\r\nLocation: /final\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
    Client c(net, 1000);
    HttpResponse r;
    REQUIRE(c.get("https://github.example/dl", 0, r) == HttpError::Ok);
    CHECK(std::string(c.url()) == "https://objects.example:8443/final");
    CHECK(net.hosts == std::vector<std::string>{"tls:github.example:443", "tls:objects.example:8443",
                                                "tls:objects.example:8443"});
  }

  TEST_CASE("a redirect from https to plain http is refused without connecting to it") {
    ScriptedNet net;
    net.responses = {"HTTP/1.1 302 Found\r\nLocation: http://mirror.example/VT132.bin\r\n\r\n",
                     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
    Client c(net, 1000);
    HttpResponse r;
    CHECK(c.get("https://github.example/dl", 0, r) == HttpError::Insecure);
    CHECK(net.hosts == std::vector<std::string>{"tls:github.example:443"});
  }

  TEST_CASE("a redirect from http to https, or within plain http, is followed") {
    ScriptedNet net;
    net.responses = {"HTTP/1.1 302 Found\r\nLocation: http://other.example/a\r\n\r\n",
                     "HTTP/1.1 302 Found\r\nLocation: https://secure.example/b\r\n\r\n",
                     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"};
    Client c(net, 1000);
    HttpResponse r;
    REQUIRE(c.get("http://h/", 0, r) == HttpError::Ok);
    CHECK(net.hosts ==
          std::vector<std::string>{"tcp:h:80", "tcp:other.example:80", "tls:secure.example:443"});
  }

  TEST_CASE("https to https to http is refused at the hop that leaves https") {
    ScriptedNet net;
    net.responses = {"HTTP/1.1 302 Found\r\nLocation: https://objects.example/x\r\n\r\n",
                     "HTTP/1.1 302 Found\r\nLocation: http://objects.example/x\r\n\r\n"};
    Client c(net, 1000);
    HttpResponse r;
    CHECK(c.get("https://h/", 0, r) == HttpError::Insecure);
    CHECK(net.hosts.size() == 2);
  }

  TEST_CASE("redirect loops end") {
    ScriptedNet net;
    for (int i = 0; i < 10; ++i) net.responses.push_back("HTTP/1.1 302 Found\r\nLocation: /again\r\n\r\n");
    Client c(net, 1000);
    HttpResponse r;
    CHECK(c.get("http://h/", 0, r) == HttpError::TooManyRedirects);
  }

  TEST_CASE("Range is asked for and Content-Range read back") {
    ScriptedNet net;
    net.responses = {"HTTP/1.1 206 Partial\r\nContent-Range: bytes 100-199/200\r\nContent-Length: 100\r\n\r\n"};
    Client c(net, 1000);
    HttpResponse r;
    REQUIRE(c.get("http://h/img", 100, r) == HttpError::Ok);
    CHECK(r.status == 206);
    CHECK(r.range_start == 100);
    CHECK(r.range_total == 200);
    c.close();
    CHECK(net.requests[0].find("\r\nRange: bytes=100-\r\n") != std::string::npos);
  }

  TEST_CASE("a body shorter than announced is a lost connection") {
    ScriptedNet net;
    net.responses = {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort"};
    Client c(net, 1000);
    HttpResponse r;
    REQUIRE(c.get("http://h/", 0, r) == HttpError::Ok);
    int last = 0;
    CHECK(read_all(c, last) == "short");
    CHECK(last < 0);
    CHECK(c.last_error() == HttpError::Closed);
  }

  TEST_CASE("an overlong header line and a non-HTTP answer are refused") {
    ScriptedNet net;
    net.responses = {"HTTP/1.1 200 OK\r\nX-Long: " + std::string(2000, 'x') + "\r\n\r\n", "SSH-2.0-OpenSSH\r\n\r\n"};
    Client c(net, 1000);
    HttpResponse r;
    CHECK(c.get("http://h/", 0, r) == HttpError::Protocol);
    CHECK(c.get("http://h/", 0, r) == HttpError::Protocol);
  }

  TEST_CASE("100 header lines are read, 101 are a protocol error") {
    auto with_headers = [](size_t n) {
      std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n";
      for (size_t i = 1; i < n; ++i) head += "X-" + std::to_string(i) + ": v\r\n";
      return head + "\r\nok";
    };
    ScriptedNet net;
    net.piece = 4096;
    net.responses = {with_headers(kMaxHeaderLines), with_headers(kMaxHeaderLines + 1), with_headers(100000)};
    Client c(net, 1000);
    HttpResponse r;
    CHECK(c.get("http://h/", 0, r) == HttpError::Ok);
    CHECK(c.get("http://h/", 0, r) == HttpError::Protocol);
    CHECK(c.get("http://h/", 0, r) == HttpError::Protocol);
    // Stopped at the limit, not after reading the whole flood.
    CHECK(net.open->pos < 8192);
  }

  TEST_CASE("chunked trailers are bounded like headers") {
    std::string body = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n";
    for (size_t i = 0; i < 1000; ++i) body += "T: 1\r\n";
    ScriptedNet net;
    net.responses = {body + "\r\n"};
    Client c(net, 1000);
    HttpResponse r;
    REQUIRE(c.get("http://h/", 0, r) == HttpError::Ok);
    int last = 0;
    CHECK(read_all(c, last) == "ok");
    CHECK(last < 0);
    CHECK(c.last_error() == HttpError::Protocol);
  }

  TEST_CASE("a guard ends a response whose headers trickle in, though no single read timed out") {
    FakeClock clock;
    ScriptedNet net;
    net.piece = 2;
    net.clock = &clock;
    net.ms_per_read = 1000;  // 2 bytes/s
    net.responses = {"HTTP/1.1 200 OK\r\nX-Slow: " + std::string(600, 'x') + "\r\n\r\n"};
    TransferLimits limits;
    limits.window_ms = 10000;
    TransferGuard guard(clock, limits);
    guard.start(1024);
    Client c(net, 1000);
    c.set_guard(&guard);
    HttpResponse r;
    CHECK(c.get("http://h/", 0, r) == HttpError::TooSlow);
    CHECK(clock.now - 1000 <= 11000);  // one window and the read that closed it
  }

  TEST_CASE("a guard ends a body trickled at 2 bytes/s within one window") {
    FakeClock clock;
    ScriptedNet net;
    net.piece = 2;
    net.clock = &clock;
    net.ms_per_read = 1000;
    // 42 bytes of headers take 21 s: inside the first 30 s window, so they pass.
    net.responses = {"HTTP/1.1 200 OK\r\nContent-Length: 4000\r\n\r\n" + std::string(4000, 'b')};
    TransferGuard guard(clock, TransferLimits{});
    guard.start(4000);
    Client c(net, 1000);
    c.set_guard(&guard);
    HttpResponse r;
    REQUIRE(c.get("http://h/", 0, r) == HttpError::Ok);
    int last = 0;
    CHECK(read_all(c, last).size() < 30);
    CHECK(last < 0);
    CHECK(c.last_error() == HttpError::TooSlow);
    CHECK(clock.now - 1000 <= 31000);
  }

  TEST_CASE("a silent read is a Timeout worth a retry until the guard's window says TooSlow") {
    FakeClock clock;
    ScriptedNet net;
    net.piece = 4096;
    net.clock = &clock;
    net.ms_per_read = 3000;  // each read waits out a 3 s timeout
    net.silent_at_end = true;
    net.responses = {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"};
    TransferLimits limits;
    limits.window_ms = 10000;
    TransferGuard guard(clock, limits);
    guard.start(100);
    Client c(net, 3000);
    c.set_guard(&guard);
    HttpResponse r;
    REQUIRE(c.get("http://h/", 0, r) == HttpError::Ok);  // 3 s in
    uint8_t buf[16];
    for (int i = 0; i < 2; ++i) {  // 6 s, 9 s: inside the first window
      CHECK(c.read_body(buf, sizeof buf) < 0);
      CHECK(c.last_error() == HttpError::Timeout);
    }
    CHECK(c.read_body(buf, sizeof buf) < 0);  // 12 s: a window with 43 bytes
    CHECK(c.last_error() == HttpError::TooSlow);
  }

  TEST_CASE("take_body waits only as long as asked, and a silence adds up across calls to one Timeout") {
    FakeClock clock;
    ScriptedNet net;
    net.clock = &clock;
    net.piece = 4096;
    net.silence_takes_time = true;  // a silent read lasts its whole timeout
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
    net.responses = {head + "abcdefghij"};
    net.silent_from = head.size() + 3;
    net.piece = net.silent_from;  // the headers and "abc" in one read, then nothing
    Client c(net, 1000);
    HttpResponse r;
    REQUIRE(c.get("http://h/", 0, r) == HttpError::Ok);
    const uint8_t* data = nullptr;
    REQUIRE(c.take_body(data, 100, 50) == 3);
    CHECK(std::string(reinterpret_cast<const char*>(data), 3) == "abc");
    net.log = {};
    int pending = 0;
    int n;
    while ((n = c.take_body(data, 100, 50)) == HttpClient::kPending) ++pending;
    CHECK(n < 0);
    CHECK(c.last_error() == HttpError::Timeout);
    CHECK(net.log.longest_wait_ms <= 50);
    CHECK(pending == 19);  // 19 short waits, and the 20th ends the 1000 ms of silence
  }

  TEST_CASE("take_body hands out the receive buffer in place, never more than asked") {
    ScriptedNet net;
    net.piece = 4096;
    net.responses = {"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n" + std::string(2000, 'x')};
    Client c(net, 1000);
    HttpResponse r;
    REQUIRE(c.get("http://h/", 0, r) == HttpError::Ok);
    size_t total = 0;
    const uint8_t* data = nullptr;
    for (int n; (n = c.take_body(data, 300, 10)) > 0;) {
      CHECK(n <= 300);
      CHECK(data >= c.rx);
      CHECK(data + n <= c.rx + sizeof c.rx);
      total += static_cast<size_t>(n);
    }
    CHECK(total == 2000);
  }
}
