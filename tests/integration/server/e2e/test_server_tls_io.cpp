// The server's TLS read and write path (connection_io.hpp) against a raw OpenSSL client over
// loopback: request heads arriving in many small records or pipelined across records, the
// head bound, "100 Continue" before a body, and responses of every shape (JSON, 304, HEAD,
// larger than one record, downloads) arriving whole and in order on one kept-alive connection.
#include <doctest/doctest.h>

#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "e2e_helpers.hpp"
#include "server_process.hpp"

using namespace vt132::test;
using json = nlohmann::json;

namespace {

struct Response {
  std::string head;  // status line and headers, without the blank line
  std::string body;
  int status() const { return std::atoi(head.substr(9, 3).c_str()); }
  std::string header(const std::string& name) const {
    std::string lower = head;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    std::string key = "\r\n" + name + ": ";
    std::transform(key.begin(), key.end(), key.begin(), ::tolower);
    const size_t at = lower.find(key);
    if (at == std::string::npos) return "";
    const size_t from = at + key.size();
    return head.substr(from, head.find("\r\n", from) - from);
  }
};

// A raw TLS 1.3 connection (no verification: these tests are about framing, not trust), with
// what it has read and not yet parsed. Reads wait at most 20 s (connect_loopback).
class Tls {
 public:
  explicit Tls(int port) : ctx_(SSL_CTX_new(TLS_client_method())), fd_(connect_loopback(port)) {
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    REQUIRE(SSL_connect(ssl_) == 1);
  }
  ~Tls() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  Tls(const Tls&) = delete;
  Tls& operator=(const Tls&) = delete;

  // `data` as TLS records of at most `record` bytes each (one SSL_write per record); false
  // once the server stopped taking it.
  bool send(const std::string& data, size_t record = 16384) {
    for (size_t at = 0; at < data.size(); at += record) {
      const size_t n = std::min(record, data.size() - at);
      if (SSL_write(ssl_, data.data() + at, static_cast<int>(n)) != static_cast<int>(n)) return false;
    }
    return true;
  }

  // The next response; nullopt when the connection ended before it was whole. `head_only`:
  // a response to HEAD (Content-Length without a body).
  std::optional<Response> response(bool head_only = false) {
    size_t end;
    while ((end = buffered_.find("\r\n\r\n")) == std::string::npos) {
      if (!fill()) return std::nullopt;
    }
    Response r;
    r.head = buffered_.substr(0, end);
    buffered_.erase(0, end + 4);
    const int status = r.status();
    const bool bodyless = head_only || status == 304 || status == 100;
    const size_t length = bodyless ? 0 : std::strtoull(r.header("Content-Length").c_str(), nullptr, 10);
    while (buffered_.size() < length) {
      if (!fill()) return std::nullopt;
    }
    r.body = buffered_.substr(0, length);
    buffered_.erase(0, length);
    return r;
  }

  // The status of each of the next `count` responses to GETs, in order (0 for one missing).
  std::vector<int> statuses(size_t count) {
    std::vector<int> out;
    for (size_t i = 0; i < count; ++i) {
      const std::optional<Response> r = response();
      out.push_back(r ? r->status() : 0);
    }
    return out;
  }

 private:
  bool fill() {
    char buf[16384];
    const int n = SSL_read(ssl_, buf, sizeof buf);
    if (n <= 0) return false;
    buffered_.append(buf, static_cast<size_t>(n));
    return true;
  }

  SSL_CTX* ctx_;
  int fd_;
  SSL* ssl_ = nullptr;
  std::string buffered_;
};

// A GET as httplib's client sends it to `port` (the JSON's links are made from the Host header).
std::string get(const std::string& path, const std::string& extra = "", int port = 0) {
  const std::string host = "127.0.0.1" + (port != 0 ? ":" + std::to_string(port) : "");
  return "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: tls-io-test\r\n" + extra + "\r\n";
}

std::string tiny_headers(size_t bytes) {
  std::string out;
  while (out.size() + 5 <= bytes) out += "a:b\r\n";
  return out;
}

}  // namespace

TEST_SUITE("server_tls_io") {
  TEST_CASE("a request head sent one byte per TLS record is parsed and answered, twice on one connection") {
    ServerProcess s;
    s.start();
    Tls c(s.https_port());
    for (int i = 0; i < 2; ++i) {
      CAPTURE(i);
      REQUIRE(c.send(get("/healthz", "Accept: */*\r\nX-Filler: " + std::string(100, 'f') + "\r\n"), 1));
      const std::optional<Response> r = c.response();
      REQUIRE(r);
      CHECK(r->status() == 200);
      CHECK(r->body == "ok\n");
    }
  }

  TEST_CASE("each answered request gets one whole access-log line, also from many connections at once") {
    ServerProcess s;
    s.start();
    std::vector<std::thread> clients;
    for (int i = 0; i < 8; ++i) {
      clients.emplace_back([&s, i] {
        Tls c(s.https_port());
        for (int j = 0; j < 5; ++j) {
          c.send(get("/healthz", "User-Agent-Id: " + std::to_string(i) + "\r\n"));
          c.response();
        }
      });
    }
    for (std::thread& t : clients) t.join();
    // "[2026-12-02 02:49:51.016] [info] access 127.0.0.1 "GET /healthz" 200 3 0.1ms "tls-io-test""
    const std::string middle = "] [info] access 127.0.0.1 \"GET /healthz\" 200 3 ";
    const std::string tail = "ms \"tls-io-test\"";
    auto count_lines = [&] {
      std::istringstream log(s.log());
      size_t whole = 0;
      for (std::string line; std::getline(log, line);) {
        const bool ends = line.size() > tail.size() && line.compare(line.size() - tail.size(), tail.size(), tail) == 0;
        if (line.rfind("[", 0) == 0 && line.find(middle) == 24 && ends) ++whole;
      }
      return whole;
    };
    // Lines are written as responses finish; wait for all 40 (at most 10 s).
    wait_until([&] { return count_lines() >= 40; }, std::chrono::seconds(10));
    CHECK(count_lines() == 40);
  }

  TEST_CASE("an access-log line shows a control byte of the path as \\xNN and at most 200 bytes of the User-Agent") {
    ServerProcess s;
    s.start();
    Tls c(s.https_port());
    REQUIRE(c.send("GET /healthz%1b HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: " + std::string(300, 'u') + "\r\n\r\n"));
    const std::optional<Response> r = c.response();
    REQUIRE(r);
    CHECK(r->status() == 404);
    const std::string request = "] [info] access 127.0.0.1 \"GET /healthz\\x1b\" 404 ";
    const std::string agent = "ms \"" + std::string(200, 'u') + "\"";
    auto line = [&]() -> std::string {
      std::istringstream log(s.log());
      for (std::string l; std::getline(log, l);) {
        if (l.find(request) != std::string::npos) return l;
      }
      return "";
    };
    // The line is written once the response is; wait for it (at most 10 s).
    wait_until([&] { return !line().empty(); }, std::chrono::seconds(10));
    const std::string found = line();
    REQUIRE_MESSAGE(!found.empty(), s.log());
    CHECK(found.size() > agent.size());
    CHECK(found.compare(found.size() - agent.size(), agent.size(), agent) == 0);
  }

  TEST_CASE("pipelined requests cut into TLS records mid-line are all answered in order") {
    ServerProcess s;
    s.start();
    std::string requests;
    std::vector<int> expected;
    for (int i = 0; i < 11; ++i) {
      requests += get(i % 2 == 0 ? "/healthz" : "/missing");
      expected.push_back(i % 2 == 0 ? 200 : 404);
    }
    for (const size_t record : {size_t{1}, size_t{7}, size_t{100}, requests.size()}) {
      CAPTURE(record);
      Tls c(s.https_port());
      REQUIRE(c.send(requests, record));
      CHECK(c.statuses(expected.size()) == expected);
    }
  }

  TEST_CASE("the request head bound holds for heads sent in small TLS records: 431 past it, answered below") {
    ServerProcess s;
    s.start();
    {
      Tls c(s.https_port());  // 24 KB of header fields in 512-byte records, past the 16 KiB bound
      c.send("GET /healthz HTTP/1.1\r\nHost: x\r\n" + tiny_headers(24 * 1024) + "\r\n", 512);
      const std::optional<Response> r = c.response();
      REQUIRE(r);
      CHECK(r->head.substr(0, r->head.find('\r')) == "HTTP/1.1 431 Request Header Fields Too Large");
    }
    {
      Tls c(s.https_port());  // 8 KB in 100 fields (the most allowed), 512-byte records: within it
      std::string fields;
      for (int i = 0; i < 98; ++i) fields += "X-" + std::to_string(i) + ": " + std::string(74, 'v') + "\r\n";
      REQUIRE(c.send(get("/healthz", fields), 512));
      const std::optional<Response> r = c.response();
      REQUIRE(r);
      CHECK(r->status() == 200);
    }
  }

  TEST_CASE("Expect: 100-continue over TLS: \"100 Continue\" arrives before the body is sent, then it is stored") {
    ServerProcess s;
    s.start();
    const uint64_t id = create_release(s, "V1.0.0", true);
    const std::string body(100 * 1024, 'u');
    Tls c(s.https_port());
    REQUIRE(c.send("POST " + kUploads + "/releases/" + std::to_string(id) +
                   "/assets?name=a.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + s.token() +
                   "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + std::to_string(body.size()) +
                   "\r\nExpect: 100-continue\r\n\r\n"));
    // The server waits for the body and this client for the 100: without it, both wait.
    const std::optional<Response> go_on = c.response();
    REQUIRE(go_on);
    CHECK(go_on->status() == 100);
    REQUIRE(c.send(body));
    const std::optional<Response> stored = c.response();
    REQUIRE(stored);
    CHECK(stored->status() == 201);
    CHECK(json::parse(stored->body)["size"] == body.size());
  }

  TEST_CASE("responses of every shape arrive whole and in order on one kept-alive TLS connection") {
    ServerProcess s;
    s.start();
    const std::string img = publish_v1(s, 200 * 1024);
    // A release whose JSON (40 KB of notes) is larger than one TLS record.
    auto created = s.https()->Post(kApi + "/releases", s.auth(),
                                   json{{"tag_name", "V2.0.0"}, {"body", std::string(40 * 1024, 'n')}}.dump(),
                                   "application/json");
    REQUIRE(created);
    REQUIRE(created->status == 201);
    const std::string latest_json = s.https()->Get(kRepo + "/releases/latest")->body;
    REQUIRE(latest_json.size() > 40 * 1024);
    const std::string download = "/vt132/firmware/releases/download/V1.0.0/VT132.bin";

    const int port = s.https_port();
    Tls c(port);
    for (int round = 0; round < 2; ++round) {
      CAPTURE(round);
      REQUIRE(c.send(get(kRepo + "/releases/latest", "", port)));
      const std::optional<Response> latest = c.response();
      REQUIRE(latest);
      CHECK(latest->status() == 200);
      CHECK((latest->body == latest_json));  // not printed: 42 KB
      const std::string etag = latest->header("ETag");
      REQUIRE_FALSE(etag.empty());

      REQUIRE(c.send(get(kRepo + "/releases/latest", "If-None-Match: " + etag + "\r\n", port)));
      const std::optional<Response> unchanged = c.response();
      REQUIRE(unchanged);
      CHECK(unchanged->status() == 304);

      std::string head_request = get(kRepo + "/releases/latest", "", port);
      head_request.replace(0, 3, "HEAD");
      REQUIRE(c.send(head_request));
      const std::optional<Response> head = c.response(true);
      REQUIRE(head);
      CHECK(head->status() == 200);
      CHECK(head->header("Content-Length") == std::to_string(latest_json.size()));

      REQUIRE(c.send(get(download)));
      const std::optional<Response> whole = c.response();
      REQUIRE(whole);
      CHECK(whole->status() == 200);
      CHECK((whole->body == img));

      REQUIRE(c.send(get(download, "Range: bytes=100-20099\r\n")));
      const std::optional<Response> part = c.response();
      REQUIRE(part);
      CHECK(part->status() == 206);
      CHECK((part->body == img.substr(100, 20000)));

      REQUIRE(c.send(get("/healthz")));
      const std::optional<Response> health = c.response();
      REQUIRE(health);
      CHECK(health->body == "ok\n");
    }
  }

  TEST_CASE("a cached API answer has ETag, Cache-Control, Vary and the X-RateLimit fields each once, on a line of its own") {
    ServerProcess s;
    s.start();
    publish_v1(s, 4096);
    const int port = s.https_port();
    Tls c(port);
    for (int round = 0; round < 2; ++round) {  // the first answer fills the cache, the second comes from it
      CAPTURE(round);
      REQUIRE(c.send(get(kRepo + "/releases/latest", "", port)));
      const std::optional<Response> r = c.response();
      REQUIRE(r);
      CHECK(r->status() == 200);
      std::map<std::string, std::vector<std::string>> fields;  // lower-case name -> values
      std::istringstream lines(r->head.substr(r->head.find("\r\n") + 2) + "\r\n");
      for (std::string line; std::getline(lines, line);) {
        REQUIRE(line.size() >= 2);
        REQUIRE(line.back() == '\r');
        line.pop_back();
        const size_t colon = line.find(": ");
        REQUIRE_MESSAGE(colon != std::string::npos, line);
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        fields[name].push_back(line.substr(colon + 2));
      }
      const std::vector<std::pair<std::string, std::string>> expected = {
          {"cache-control", "public, max-age=60, s-maxage=60"},
          {"vary", "Accept, Authorization"},
          {"x-ratelimit-limit", "5000"},
          {"x-ratelimit-remaining", "5000"},
          {"x-ratelimit-used", "0"},
          {"x-ratelimit-resource", "core"},
          {"content-type", "application/json; charset=utf-8"}};
      for (const auto& [name, value] : expected) {
        CAPTURE(name);
        REQUIRE(fields[name].size() == 1);
        CHECK(fields[name][0] == value);
      }
      REQUIRE(fields["etag"].size() == 1);
      REQUIRE(fields["x-ratelimit-reset"].size() == 1);
      const long long reset = std::atoll(fields["x-ratelimit-reset"][0].c_str());
      CHECK(reset > static_cast<long long>(std::time(nullptr)));

      REQUIRE(c.send(get(kRepo + "/releases/latest", "If-None-Match: " + fields["etag"][0] + "\r\n", port)));
      const std::optional<Response> unchanged = c.response();
      REQUIRE(unchanged);
      CHECK(unchanged->status() == 304);
      CHECK(unchanged->header("ETag") == fields["etag"][0]);
    }
    // And as an HTTP client library reads them.
    const auto answer = s.https()->Get(kRepo + "/releases/latest");
    REQUIRE(answer);
    CHECK(answer->get_header_value("X-RateLimit-Remaining") == "5000");
    CHECK(answer->get_header_value("Vary") == "Accept, Authorization");
  }
}
