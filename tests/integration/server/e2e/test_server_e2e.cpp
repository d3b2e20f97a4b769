// End to end: the real vt132-ota-server process on loopback, over real TLS with the CA it
// generated, driven with httplib's client, raw sockets and OpenSSL.
#include <doctest/doctest.h>

#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "e2e_helpers.hpp"
#include "server_process.hpp"

using json = nlohmann::json;
using vt132::test::ServerProcess;
using namespace vt132::test;
namespace fs = std::filesystem;

namespace {

// The status codes of the responses in `text` (bodies here never contain "HTTP/1.1 ").
std::vector<int> status_codes(const std::string& text) {
  std::vector<int> out;
  for (size_t at = text.find("HTTP/1.1 "); at != std::string::npos; at = text.find("HTTP/1.1 ", at + 1)) {
    out.push_back(std::stoi(text.substr(at + 9, 3)));
  }
  return out;
}

// Reads until `count` responses arrived or the connection ends (or 20 s pass in one read).
template <typename Read>
std::vector<int> read_statuses(size_t count, Read read) {
  std::string text;
  char buf[4096];
  while (status_codes(text).size() < count) {
    const long n = read(buf, sizeof buf);
    if (n <= 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  return status_codes(text);
}

std::vector<int> plain_statuses(int fd, size_t count) {
  return read_statuses(count, [fd](char* buf, size_t n) { return static_cast<long>(::recv(fd, buf, n, 0)); });
}

// A raw TLS connection (no verification: these tests are about HTTP framing, not trust).
class TlsConnection {
 public:
  explicit TlsConnection(int port) : ctx_(SSL_CTX_new(TLS_client_method())), fd_(connect_loopback(port)) {
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    ok_ = SSL_connect(ssl_) == 1;
  }
  ~TlsConnection() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ::close(fd_);
  }
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;
  bool ok() const { return ok_; }
  void write(const std::string& data) { REQUIRE(SSL_write(ssl_, data.data(), static_cast<int>(data.size())) > 0); }
  std::vector<int> statuses(size_t count) {
    return read_statuses(count, [this](char* buf, size_t n) {
      return static_cast<long>(SSL_read(ssl_, buf, static_cast<int>(n)));
    });
  }

 private:
  SSL_CTX* ctx_;
  int fd_;
  SSL* ssl_ = nullptr;
  bool ok_ = false;
};

// Runs the server with `args` and waits (at most 20 s) for it to exit; kills it if it does not
// (still running: it bound the address, the failure these tests are for).
ProgramRun run_server_once(const std::vector<std::string>& args) {
  std::vector<std::string> argv{VT132_OTA_SERVER};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, true, std::chrono::seconds(20));
}

}  // namespace

TEST_SUITE("server_e2e") {
  TEST_CASE("publish flow: a draft stays hidden until published, then list, latest, tag and id show it") {
    ServerProcess s;
    s.start();
    auto cli = s.https();
    CHECK(cli->Get(kApi + "/releases/latest")->status == 404);
    const std::string img = image("V1.0.0", 300 * 1024);
    const uint64_t id = create_release(s, "V1.0.0", true);
    auto up = upload(s, id, "VT132.bin", img);
    REQUIRE(up);
    CHECK(up->status == 201);
    const json asset = json::parse(up->body);
    CHECK(asset["size"] == img.size());
    CHECK(asset["digest"].get<std::string>().rfind("sha256:", 0) == 0);
    CHECK(asset["state"] == "uploaded");

    // Hidden from the public while a draft; visible to the token holder.
    CHECK(cli->Get(kApi + "/releases/latest")->status == 404);
    CHECK(cli->Get(kApi + "/releases/tags/V1.0.0")->status == 404);
    CHECK(cli->Get(kApi + "/releases/" + std::to_string(id))->status == 404);
    CHECK(body_json(cli->Get(kApi + "/releases")).empty());
    CHECK(body_json(cli->Get(kApi + "/releases", s.auth())).size() == 1);
    CHECK(cli->Get("/vt132/firmware/releases/download/V1.0.0/VT132.bin")->status == 404);

    publish(s, id);
    const json latest = body_json(cli->Get(kApi + "/releases/latest"));
    CHECK(latest["id"] == id);
    CHECK(latest["tag_name"] == "V1.0.0");
    CHECK(latest["draft"] == false);
    CHECK(latest["assets"][0]["name"] == "VT132.bin");
    const std::string url = latest["assets"][0]["browser_download_url"];
    CHECK(url == "https://127.0.0.1:" + std::to_string(s.https_port()) +
                     "/vt132/firmware/releases/download/V1.0.0/VT132.bin");
    CHECK(latest["upload_url"].get<std::string>().find("/api/uploads/repos/vt132/firmware/releases/") !=
          std::string::npos);
    CHECK(body_json(cli->Get(kRepo + "/releases/tags/V1.0.0"))["id"] == id);  // without /api/v3 too
    CHECK(body_json(cli->Get(kApi + "/releases/" + std::to_string(id)))["id"] == id);
    CHECK(body_json(cli->Get(kApi + "/releases"))[0]["id"] == id);
    CHECK(body_json(cli->Get(kApi + "/releases/" + std::to_string(id) + "/assets"))[0]["name"] == "VT132.bin");
    CHECK(body_json(cli->Get(kApi))["full_name"] == "vt132/firmware");
    // Asset bytes through the API with Accept: application/octet-stream.
    auto bytes = cli->Get(kApi + "/releases/assets/" + std::to_string(asset["id"].get<uint64_t>()),
                          {{"Accept", "application/octet-stream"}});
    REQUIRE(bytes);
    CHECK(bytes->status == 200);
    CHECK(bytes->body == img);
    // The human page lists it with its SHA-256.
    auto page = cli->Get("/");
    REQUIRE(page);
    CHECK(page->body.find("V1.0.0") != std::string::npos);
    CHECK(page->body.find(asset["digest"].get<std::string>().substr(7)) != std::string::npos);
  }

  TEST_CASE("downloads: 200 without redirect, single ranges as 206, 416, malformed ranges ignored, HEAD, ETag") {
    ServerProcess s({"--repo", "vt132/firmware"});
    s.start();
    const std::string img = publish_v1(s);
    auto cli = s.https();
    const std::string path = "/vt132/firmware/releases/download/V1.0.0/VT132.bin";
    auto full = cli->Get(path);
    REQUIRE(full);
    CHECK(full->status == 200);
    CHECK(full->body == img);
    CHECK(full->get_header_value("Accept-Ranges") == "bytes");
    const std::string etag = full->get_header_value("ETag");
    CHECK(etag.size() == 66);

    auto first = cli->Get(path, {{"Range", "bytes=0-0"}});
    CHECK(first->status == 206);
    CHECK(first->body == img.substr(0, 1));
    CHECK(first->get_header_value("Content-Range") == "bytes 0-0/" + std::to_string(img.size()));
    auto middle = cli->Get(path, {{"Range", "bytes=1000-66535"}});
    CHECK(middle->status == 206);
    CHECK(middle->body == img.substr(1000, 65536));
    auto resume = cli->Get(path, {{"Range", "bytes=1048576-"}});
    CHECK(resume->status == 206);
    CHECK(resume->body == img.substr(1048576));
    auto suffix = cli->Get(path, {{"Range", "bytes=-100"}});
    CHECK(suffix->body == img.substr(img.size() - 100));
    auto beyond = cli->Get(path, {{"Range", "bytes=" + std::to_string(img.size()) + "-"}});
    CHECK(beyond->status == 416);
    CHECK(beyond->get_header_value("Content-Range") == "bytes */" + std::to_string(img.size()));
    auto multi = cli->Get(path, {{"Range", "bytes=0-1,5-9"}});
    CHECK(multi->status == 200);  // multi-range is not served piecewise: the whole file
    CHECK(multi->body == img);
    // RFC 9110 14.2: a Range that does not parse is ignored (the library used to answer 416).
    for (const char* bad : {"bytes=5-1", "items=0-1", "garbage", "bytes=0-1,9-2"}) {
      auto ignored = cli->Get(path, {{"Range", bad}});
      REQUIRE(ignored);
      CHECK_MESSAGE(ignored->status == 200, bad);
      CHECK_MESSAGE(ignored->body == img, bad);
    }
    auto plain_ignored = s.http()->Get("/VT132.bin", {{"Range", "bytes=5-1"}});
    REQUIRE(plain_ignored);
    CHECK(plain_ignored->status == 200);
    CHECK(plain_ignored->body == img);
    auto stale = cli->Get(path, {{"Range", "bytes=0-9"}, {"If-Range", "\"other\""}});
    CHECK(stale->status == 200);

    auto head = cli->Head(path);
    REQUIRE(head);
    CHECK(head->status == 200);
    CHECK(head->get_header_value("Content-Length") == std::to_string(img.size()));
    CHECK(head->body.empty());
    CHECK(cli->Get(path, {{"If-None-Match", etag}})->status == 304);

    CHECK(cli->Get("/vt132/firmware/releases/latest/download/VT132.bin")->body == img);
    CHECK(cli->Get("/VT132.bin")->body == img);
    // Older firmware: plain HTTP at the root, 200 directly.
    auto plain = s.http()->Get("/VT132.bin");
    REQUIRE(plain);
    CHECK(plain->status == 200);
    CHECK(plain->body == img);
    CHECK(cli->Get("/vt132/firmware/releases/download/V9.9.9/VT132.bin")->status == 404);
    CHECK(cli->Get("/vt132/firmware/releases/download/V1.0.0/other.bin")->status == 404);
  }

  TEST_CASE("API JSON carries an ETag; If-None-Match gives 304 until the release changes") {
    ServerProcess s;
    s.start();
    publish_v1(s, 64 * 1024);
    auto cli = s.https();
    auto first = cli->Get(kApi + "/releases/latest");
    const std::string etag = first->get_header_value("ETag");
    REQUIRE(!etag.empty());
    CHECK(cli->Get(kApi + "/releases/latest", {{"If-None-Match", etag}})->status == 304);
    const uint64_t id = json::parse(first->body)["id"];
    s.https()->Patch(kApi + "/releases/" + std::to_string(id), s.auth(), R"({"body":"notes"})", "application/json");
    auto changed = cli->Get(kApi + "/releases/latest", {{"If-None-Match", etag}});
    CHECK(changed->status == 200);
    CHECK(json::parse(changed->body)["body"] == "notes");
  }

  TEST_CASE("writes need a valid token; reads are public; errors are GitHub-shaped") {
    ServerProcess s;
    s.start();
    auto cli = s.https();
    auto none = cli->Post(kApi + "/releases", R"({"tag_name":"V1.0.0"})", "application/json");
    REQUIRE(none);
    CHECK(none->status == 401);
    CHECK(json::parse(none->body)["message"] == "Requires authentication");
    CHECK(json::parse(none->body).contains("documentation_url"));
    auto bad = cli->Post(kApi + "/releases", {{"Authorization", "Bearer vt132_wrong"}}, R"({"tag_name":"V1.0.0"})",
                         "application/json");
    CHECK(bad->status == 401);
    CHECK(json::parse(bad->body)["message"] == "Bad credentials");
    CHECK(cli->Get(kApi + "/releases", {{"Authorization", "token nope"}})->status == 401);
    CHECK(cli->Delete(kApi + "/releases/1")->status == 401);
    CHECK(cli->Patch(kApi + "/releases/1", R"({})", "application/json")->status == 401);
    CHECK(cli->Post(kUploads + "/releases/1/assets?name=a.bin", "x", "application/octet-stream")->status == 401);
    // "token" scheme works as well as "Bearer"; nothing was created by the refused calls.
    auto ok = cli->Post(kApi + "/releases", {{"Authorization", "token " + s.token()}}, R"({"tag_name":"V1.0.0"})",
                        "application/json");
    CHECK(ok->status == 201);
    CHECK(body_json(cli->Get(kApi + "/releases")).size() == 1);
    // Malformed input gets 4xx with a message, never internal details.
    auto garbage = cli->Post(kApi + "/releases", s.auth(), "{not json", "application/json");
    CHECK(garbage->status == 400);
    CHECK(json::parse(garbage->body)["message"] == "Problems parsing JSON");
    auto wrong_type = cli->Post(kApi + "/releases", s.auth(), R"({"tag_name":5})", "application/json");
    CHECK(wrong_type->status == 422);
    auto bad_tag = cli->Post(kApi + "/releases", s.auth(), R"({"tag_name":"../../etc"})", "application/json");
    CHECK(bad_tag->status == 422);
    CHECK(json::parse(bad_tag->body)["errors"][0]["field"] == "tag_name");
  }

  TEST_CASE("a malformed vt132_swap_assets body is answered 422 naming the field, and the release is unchanged") {
    ServerProcess s;
    s.start();
    publish_v1(s, 64 * 1024);
    auto cli = s.https();
    const std::string before = cli->Get(kApi + "/releases/latest")->body;
    const uint64_t id = json::parse(before)["id"];
    auto mixed = cli->Patch(kApi + "/releases/" + std::to_string(id), s.auth(),
                            R"({"vt132_swap_assets":[{"asset_id":1,"name":"a"}],"draft":true})", "application/json");
    REQUIRE(mixed);
    CHECK(mixed->status == 422);
    CHECK(json::parse(mixed->body)["errors"][0]["field"] == "vt132_swap_assets");
    CHECK(json::parse(mixed->body)["message"].get<std::string>().find("1 to 16") != std::string::npos);
    CHECK(cli->Get(kApi + "/releases/latest")->body == before);
  }

  TEST_CASE("duplicates: same tag 422 already_exists; same asset bytes succeed, different bytes 422") {
    ServerProcess s;
    s.start();
    const uint64_t id = create_release(s, "V1.0.0", true);
    auto dup = s.https()->Post(kApi + "/releases", s.auth(), R"({"tag_name":"V1.0.0"})", "application/json");
    CHECK(dup->status == 422);
    CHECK(json::parse(dup->body)["errors"][0]["code"] == "already_exists");
    CHECK(json::parse(dup->body)["errors"][0]["resource"] == "Release");
    const std::string img = image("V1.0.0", 100 * 1024);
    auto first = upload(s, id, "VT132.bin", img);
    CHECK(first->status == 201);
    auto again = upload(s, id, "VT132.bin", img);
    CHECK(again->status == 200);
    CHECK(json::parse(again->body)["id"] == json::parse(first->body)["id"]);
    auto different = upload(s, id, "VT132.bin", image("V1.0.0", 100 * 1024, 2));
    REQUIRE(different);
    CHECK(different->status == 422);
    CHECK(json::parse(different->body)["errors"][0]["code"] == "already_exists");
    CHECK(json::parse(different->body)["errors"][0]["resource"] == "ReleaseAsset");
    auto listed = body_json(s.https()->Get(kApi + "/releases/" + std::to_string(id) + "/assets", s.auth()));
    REQUIRE(listed.size() == 1);
    CHECK(listed[0]["size"] == img.size());
    // Delete then upload replaces it.
    const uint64_t asset_id = json::parse(first->body)["id"];
    CHECK(s.https()->Delete(kApi + "/releases/assets/" + std::to_string(asset_id), s.auth())->status == 204);
    CHECK(different->status == 422);
    CHECK(upload(s, id, "VT132.bin", image("V1.0.0", 100 * 1024, 2))->status == 201);
    // A name that climbs is renamed as GitHub renames it, into a plain file name.
    auto climbing = upload(s, id, "..%2F..%2Fevil", "x");
    CHECK(climbing->status == 201);
    CHECK(json::parse(climbing->body)["name"] == "evil");
    CHECK(upload(s, id, "..%2F..", "x")->status == 422);  // nothing left of it
  }

  TEST_CASE("pagination: per_page and page with a Link header") {
    ServerProcess s;
    s.start();
    for (int i = 1; i <= 5; ++i) create_release(s, "V1.0." + std::to_string(i), false);
    auto cli = s.https();
    auto p1 = cli->Get(kApi + "/releases?per_page=2");
    CHECK(body_json(p1).size() == 2);
    CHECK(body_json(p1)[0]["tag_name"] == "V1.0.5");  // newest first
    const std::string link = p1->get_header_value("Link");
    CHECK(link.find("per_page=2&page=2>; rel=\"next\"") != std::string::npos);
    CHECK(link.find("per_page=2&page=3>; rel=\"last\"") != std::string::npos);
    auto p3 = cli->Get(kApi + "/releases?per_page=2&page=3");
    CHECK(body_json(p3).size() == 1);
    CHECK(body_json(p3)[0]["tag_name"] == "V1.0.1");
    CHECK(body_json(cli->Get(kApi + "/releases?per_page=2&page=4")).empty());
    CHECK(cli->Get(kApi + "/releases")->get_header_value("Link").empty());
  }

  TEST_CASE("SIGKILL during an upload: after restart the completed release is intact, no partial asset") {
    ServerProcess s;
    s.start();
    const std::string img = publish_v1(s, 200 * 1024);
    const uint64_t draft = create_release(s, "V2.0.0", true);
    const std::string big = image("V2.0.0", 3 * 1024 * 1024);
    const int fd = connect_loopback(s.http_port());
    send_all(fd, "POST /api/uploads/repos/vt132/firmware/releases/" + std::to_string(draft) +
                     "/assets?name=VT132.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + s.token() +
                     "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + std::to_string(big.size()) +
                     "\r\n\r\n");
    send_all(fd, big.substr(0, big.size() / 2));
    // Wait until the server holds part of the upload on disk, then kill it.
    const fs::path tmp = s.data_dir() / "store" / "tmp";
    auto partial_on_disk = [&] {
      for (const auto& e : fs::directory_iterator(tmp)) {
        if (e.file_size() > 0) return true;
      }
      return false;
    };
    REQUIRE(wait_until(partial_on_disk, std::chrono::seconds(5)));
    s.stop(SIGKILL);
    ::close(fd);

    s.start();
    auto cli = s.https();
    const json r = body_json(cli->Get(kApi + "/releases/" + std::to_string(draft), s.auth()));
    CHECK(r["assets"].empty());
    CHECK(fs::is_empty(tmp));
    CHECK(cli->Get("/vt132/firmware/releases/download/V1.0.0/VT132.bin")->body == img);
    CHECK(body_json(cli->Get(kApi + "/releases/latest"))["tag_name"] == "V1.0.0");
    // The interrupted upload can simply be sent again.
    CHECK(upload(s, draft, "VT132.bin", big)->status == 201);
  }

  TEST_CASE("SIGTERM: a download in flight completes, then the server stops with exit status 0") {
    ServerProcess s;
    s.start();
    const std::string img = publish_v1(s, 3 * 1024 * 1024);
    const int fd = connect_loopback(s.http_port(), 4096);
    send_all(fd, "GET /vt132/firmware/releases/download/V1.0.0/VT132.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    std::string got;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    REQUIRE(n > 0);
    got.append(buf, static_cast<size_t>(n));
    int exit_status = -1;
    std::thread stopper([&] { exit_status = s.stop(SIGTERM); });
    // Read the rest only once the server has taken the signal, so the download is in flight
    // during the shutdown however slowly this machine runs.
    CHECK(wait_until([&] { return s.log().find("SIGTERM received") != std::string::npos; }, std::chrono::seconds(30)));
    ssize_t m;
    const size_t expected_total = got.find("\r\n\r\n") + 4 + img.size();
    while (got.size() < expected_total && (m = ::recv(fd, buf, sizeof buf, 0)) > 0) {
      got.append(buf, static_cast<size_t>(m));
    }
    ::close(fd);
    stopper.join();
    CHECK(WIFEXITED(exit_status));
    CHECK(WEXITSTATUS(exit_status) == 0);
    const size_t header_end = got.find("\r\n\r\n");
    REQUIRE(header_end != std::string::npos);
    CHECK(got.substr(header_end + 4) == img);
    CHECK_FALSE(s.running());
    CHECK(s.log().find("stopped") != std::string::npos);
  }

  TEST_CASE("TLS: 1.2 with the ESP32's ECDHE-ECDSA-AES128-GCM-SHA256 and 1.3 work; 1.1 and non-ECDHE do not") {
    ServerProcess s;
    s.start();
    CHECK(handshake(s.https_port(), TLS1_2_VERSION, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256") ==
          "ECDHE-ECDSA-AES128-GCM-SHA256");
    CHECK(handshake(s.https_port(), TLS1_3_VERSION, TLS1_3_VERSION, "DEFAULT") == "TLS_AES_128_GCM_SHA256");
    CHECK(handshake(s.https_port(), TLS1_VERSION, TLS1_1_VERSION, "ALL:@SECLEVEL=0").empty());
    CHECK(handshake(s.https_port(), TLS1_2_VERSION, TLS1_2_VERSION, "AES128-SHA:AES128-GCM-SHA256:@SECLEVEL=0").empty());
    CHECK(s.log().find("AT+U=https://127.0.0.1:" + std::to_string(s.https_port()) + "/repos/") != std::string::npos);
    CHECK(s.log().find("pin") != std::string::npos);
  }

  TEST_CASE("TLS: the server's cipher order wins over the client's (CHACHA20 offered first gets AES128-GCM)") {
    ServerProcess s;
    s.start();
    CHECK(handshake(s.https_port(), TLS1_2_VERSION, TLS1_2_VERSION,
                    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES128-GCM-SHA256") ==
          "ECDHE-ECDSA-AES128-GCM-SHA256");
    CHECK(handshake(s.https_port(), TLS1_3_VERSION, TLS1_3_VERSION, "DEFAULT",
                    "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256") ==
          "TLS_AES_128_GCM_SHA256");
  }

  TEST_CASE("pipelined requests in one write are all answered in order, over TLS and plain HTTP") {
    ServerProcess s;
    s.start();
    // 11 requests, alternating a found and a missing path, sent in one TLS record.
    std::string requests;
    std::vector<int> expected;
    for (int i = 0; i < 11; ++i) {
      requests += std::string("GET ") + (i % 2 == 0 ? "/healthz" : "/missing") + " HTTP/1.1\r\nHost: x\r\n\r\n";
      expected.push_back(i % 2 == 0 ? 200 : 404);
    }
    TlsConnection tls(s.https_port());
    REQUIRE(tls.ok());
    tls.write(requests);
    CHECK(tls.statuses(expected.size()) == expected);
    const int fd = connect_loopback(s.http_port());
    send_all(fd, requests);
    CHECK(plain_statuses(fd, expected.size()) == expected);
    ::close(fd);
  }

  TEST_CASE("a second server on an address in use exits non-zero: ADDRESS:PORT is in use (HTTPS and HTTP)") {
    ServerProcess s;
    s.start();
    const std::string https = "127.0.0.1:" + std::to_string(s.https_port());
    const std::string http = "127.0.0.1:" + std::to_string(s.http_port());
    const fs::path other = s.data_dir().string() + "-second";
    const ProgramRun same_https = run_server_once({"--data", other.string(), "--listen", https});
    CHECK(same_https.exit_code == 1);
    CHECK_MESSAGE(same_https.output.find(https + " is in use") != std::string::npos, same_https.output);
    const ProgramRun same_http = run_server_once(
        {"--data", other.string(), "--listen", "127.0.0.1:" + std::to_string(free_port()), "--http-listen", http});
    CHECK(same_http.exit_code == 1);
    CHECK_MESSAGE(same_http.output.find(http + " is in use") != std::string::npos, same_http.output);
    fs::remove_all(other);
    // The first server still has both ports to itself.
    CHECK(s.https()->Get("/healthz")->status == 200);
    CHECK(s.http()->Get("/healthz")->status == 200);
  }

  TEST_CASE("limits: chunked bodies and bodies above the limit are refused before they are stored") {
    ServerProcess s({"--max-upload-bytes", "100000"});
    s.start();
    const uint64_t id = create_release(s, "V1.0.0", true);
    // Refused from the headers alone, before any of the body is read.
    const int big = connect_loopback(s.http_port());
    send_all(big, "POST /api/uploads/repos/vt132/firmware/releases/" + std::to_string(id) +
                      "/assets?name=a.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + s.token() +
                      "\r\nContent-Length: 100001\r\n\r\n");
    char big_reply[512] = {};
    REQUIRE(::recv(big, big_reply, sizeof big_reply - 1, 0) > 0);
    ::close(big);
    CHECK(std::string(big_reply).rfind("HTTP/1.1 413", 0) == 0);
    const int fd = connect_loopback(s.http_port());
    send_all(fd, "POST /api/uploads/repos/vt132/firmware/releases/" + std::to_string(id) +
                     "/assets?name=a.bin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + s.token() +
                     "\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    char buf[512] = {};
    REQUIRE(::recv(fd, buf, sizeof buf - 1, 0) > 0);
    ::close(fd);
    CHECK(std::string(buf).rfind("HTTP/1.1 411", 0) == 0);
    CHECK(body_json(s.https()->Get(kApi + "/releases/" + std::to_string(id) + "/assets", s.auth())).empty());
    // Traversal attempts over HTTP find nothing.
    auto cli = s.https();
    for (const char* p : {"/vt132/firmware/releases/download/..%2F..%2F..%2Fetc/passwd",
                          "/vt132/firmware/releases/download/V1.0.0/..%2F..%2Frelease.json",
                          "/%2e%2e/%2e%2e/etc/passwd", "/repos/vt132/firmware/releases/tags/..%2F.."}) {
      auto res = cli->Get(p);
      REQUIRE(res);
      CHECK_MESSAGE(res->status == 404, p);
    }
  }

  TEST_CASE("GraphQL: gh's release-by-tag query answers databaseId and isDraft; unsupported queries get errors") {
    ServerProcess s;
    s.start();
    const uint64_t id = create_release(s, "V1.0.0", false);
    const std::string q =
        "query($name:String!$owner:String!$tagName:String!){repository(owner: $owner, name: $name)"
        "{release(tagName: $tagName){databaseId,isDraft}}}";
    const json vars = {{"owner", "vt132"}, {"name", "firmware"}, {"tagName", "V1.0.0"}};
    auto res = s.https()->Post("/api/graphql", s.auth(), json{{"query", q}, {"variables", vars}}.dump(),
                               "application/json");
    const json j = body_json(res);
    CHECK(j["data"]["repository"]["release"]["databaseId"] == id);
    CHECK(j["data"]["repository"]["release"]["isDraft"] == false);
    json missing = vars;
    missing["tagName"] = "V9.9.9";
    CHECK(body_json(s.https()->Post("/api/graphql", s.auth(), json{{"query", q}, {"variables", missing}}.dump(),
                                    "application/json"))["data"]["repository"]["release"]
              .is_null());
    const json other = body_json(s.https()->Post(
        "/api/graphql", s.auth(), R"({"query":"{ viewer { login starredRepositories { totalCount } } }"})",
        "application/json"));
    CHECK(other.contains("errors"));
    CHECK_FALSE(other.contains("data"));
  }

  TEST_CASE("/healthz and /metrics in Prometheus text") {
    ServerProcess s;
    s.start();
    publish_v1(s, 64 * 1024);
    auto cli = s.https();
    cli->Get("/vt132/firmware/releases/download/V1.0.0/VT132.bin");
    CHECK(cli->Get("/healthz")->body == "ok\n");
    const std::string m = cli->Get("/metrics")->body;
    CHECK(m.find("vt132_http_requests_total{route=\"download\",status=\"200\"} 1") != std::string::npos);
    CHECK(m.find("vt132_release_downloads_total{owner=\"vt132\",repo=\"firmware\",tag=\"V1.0.0\"} 1") !=
          std::string::npos);
    CHECK(m.find("vt132_http_connections_in_flight") != std::string::npos);
    CHECK(m.find("vt132_http_response_bytes_total") != std::string::npos);
  }
}
