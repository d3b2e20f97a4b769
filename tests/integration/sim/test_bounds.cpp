// What the device reads from a server is bounded, each bound is exact (the limit itself
// passes, one over fails), and going past one says BAD RESPONSE (or BAD MANIFEST), not
// something misleading.
#include <doctest/doctest.h>

#include "support/fixture.hpp"

using simtest::Fixture;
using simtest::ReleaseOptions;
using simtest::Route;

namespace {

constexpr size_t kMaxManifest = 1024;             // docs/manifest.md
constexpr size_t kMaxReleaseDocument = 1 << 20;   // docs/ota-commands.md

// Upgrades with a manifest padded to `size` bytes; returns the AT+U^ answer.
std::string upgrade_with_manifest_of(size_t size) {
  Fixture f;
  ReleaseOptions o;
  o.manifest_size = size;
  f.publish(Fixture::image("V1.1.0"), o);
  REQUIRE(f.last_manifest.size() == size);
  auto sim = f.start_online(f.latest_url());
  REQUIRE(sim->command("AT+U?").find("[NEWER]") != std::string::npos);
  return sim->command("AT+U^");
}

// The release document with its notes grown or shrunk so the whole is `size` bytes.
std::string release_of_size(const std::string& json, size_t size) {
  const std::string notes(30000, 'n');  // what Fixture::publish writes
  const size_t at = json.find(notes);
  REQUIRE(at != std::string::npos);
  std::string out = json;
  out.replace(at, notes.size(), std::string(notes.size() + size - json.size(), 'n'));
  REQUIRE(out.size() == size);
  return out;
}

std::string query_release_of_size(size_t size) {
  Fixture f;
  Route r;
  r.body = release_of_size(f.publish(Fixture::image("V1.1.0")), size);
  r.content_type = "application/json";
  f.https->set("/repos/o/r/releases/latest", r);
  auto sim = f.start_online(f.latest_url());
  return sim->command("AT+U?");
}

}  // namespace

TEST_SUITE("bounds") {
  TEST_CASE("a manifest of exactly 1024 bytes, the documented maximum, installs") {
    CHECK(upgrade_with_manifest_of(kMaxManifest) == "AT+U^\r\r\n...\r\n\r\nOK\r\n");
  }

  TEST_CASE("a manifest of 1023 bytes installs") {
    CHECK(upgrade_with_manifest_of(kMaxManifest - 1) == "AT+U^\r\r\n...\r\n\r\nOK\r\n");
  }

  TEST_CASE("a manifest of 1025 bytes is a BAD MANIFEST") {
    CHECK(upgrade_with_manifest_of(kMaxManifest + 1) == "AT+U^\r\r\nUPDATE FAILED: BAD MANIFEST\r\n\r\nERROR\r\n");
  }

  TEST_CASE("a release document that starts with a whole read of whitespace is read") {
    Fixture f;
    Route r;
    r.body = std::string(2000, ' ') + "\r\n\t" + f.publish(Fixture::image("V1.1.0"));
    r.content_type = "application/json";
    f.https->set("/repos/o/r/releases/latest", r);
    auto sim = f.start_online(f.latest_url());
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nV1.1.0 [NEWER]\r\n\r\nOK\r\n");
  }

  TEST_CASE("a release document of exactly 1 MiB is read, one byte more is a BAD RESPONSE") {
    CHECK(query_release_of_size(kMaxReleaseDocument) == "AT+U?\r\r\nV1.1.0 [NEWER]\r\n\r\nOK\r\n");
    CHECK(query_release_of_size(kMaxReleaseDocument + 1) == "AT+U?\r\r\nUPDATE FAILED: BAD RESPONSE\r\n\r\nERROR\r\n");
  }

  TEST_CASE("100 response headers are read, 101 and 100,000 are a BAD RESPONSE") {
    Fixture f;
    const std::string json = f.publish(Fixture::image("V1.1.0"));
    auto sim = f.start_online(f.latest_url());
    // The test server's own answer has 2 header lines besides the fillers, Content-Type
    // and Content-Length 2 more.
    for (const auto& [fillers, answer] : std::vector<std::pair<size_t, std::string>>{
             {96, "V1.1.0 [NEWER]"}, {97, "UPDATE FAILED: BAD RESPONSE"}, {100000, "UPDATE FAILED: BAD RESPONSE"}}) {
      Route r;
      r.body = json;
      r.content_type = "application/json";
      r.filler_headers = fillers;
      f.https->set("/repos/o/r/releases/latest", r);
      CAPTURE(fillers);
      CHECK(sim->command("AT+U?").find("\r\n" + answer + "\r\n") != std::string::npos);
    }
  }

  TEST_CASE("a flood of headers on the image download is a BAD RESPONSE, tried once, old image kept") {
    Fixture f;
    const std::string img = Fixture::image("V1.1.0");
    f.publish(img);
    Route r;
    r.body = img;
    r.filler_headers = 100000;
    f.https->set("/dl/V1.1.0/VT132.bin", r);
    auto sim = f.start_online(f.latest_url());
    CHECK(sim->command("AT+U?").find("[NEWER]") != std::string::npos);
    CHECK(sim->command("AT+U^") == "AT+U^\r\r\nUPDATE FAILED: BAD RESPONSE\r\n\r\nERROR\r\n");
    size_t image_requests = 0;
    for (const auto& req : f.https->requests()) image_requests += req.find("VT132.bin") != std::string::npos;
    CHECK(image_requests == 1);
    CHECK(sim->command("AT+U$").find("BOOT    [app0] [VT132 V1.0.0]") != std::string::npos);
  }

  TEST_CASE("an image asset URL longer than the device keeps is a BAD RESPONSE, not a missing image") {
    Fixture f;
    std::string json = f.publish(Fixture::image("V1.1.0"));
    const std::string url = f.https->url("/dl/V1.1.0/VT132.bin");
    json.replace(json.find(url), url.size(), url + "?" + std::string(300, 'q'));
    Route r;
    r.body = json;
    r.content_type = "application/json";
    f.https->set("/repos/o/r/releases/latest", r);
    auto sim = f.start_online(f.latest_url());
    CHECK(sim->command("AT+U?") == "AT+U?\r\r\nUPDATE FAILED: BAD RESPONSE\r\n\r\nERROR\r\n");
  }
}
