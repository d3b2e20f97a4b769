#include "support/fixture.hpp"

#include <unistd.h>

#include <ctime>
#include <fstream>
#include <regex>
#include <stdexcept>

#include "vt132/core/sha256.hpp"
#include "vt132/host/certs.hpp"
#include "vt132/host/manifest_writer.hpp"
#include "vt132/host/signing.hpp"

namespace simtest {
namespace fs = std::filesystem;

namespace {

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
}

std::string hex(const vt132::core::Sha256Digest& d) {
  char out[65];
  vt132::core::sha256_to_hex(d, out);
  return out;
}

}  // namespace

Fixture::Fixture() {
  char tmpl[] = "/tmp/vt132-simtest-XXXXXX";
  dir = ::mkdtemp(tmpl);
  vt132::host::CertOptions co;
  co.names = {"127.0.0.1", "localhost"};
  const auto certs = vt132::host::create_local_ca_and_server_cert(dir / "certs", co);
  ca_cert = certs.ca_cert.string();
  https = std::make_unique<TestServer>(certs.server_cert.string(), certs.server_key.string());
  signing_key = (dir / "release.pem").string();
  const auto key = vt132::host::generate_signing_key(signing_key);
  public_key = key.public_key.string();
  flash = dir / "flash.bin";
  write_file(dir / "v1.bin", image("V1.0.0"));
}

Fixture::~Fixture() {
  std::error_code ec;
  if (!getenv("VT132_KEEP_TEST_DIRS")) fs::remove_all(dir, ec);
}

std::string Fixture::image(const std::string& version, uint32_t secure_version, uint32_t bytes, uint16_t chip_id) {
  vt132::host::ImageSpec spec;
  spec.version = version;
  spec.secure_version = secure_version;
  spec.chip_id = chip_id;
  spec.seed = static_cast<uint32_t>(std::hash<std::string>{}(version));
  spec.segments = vt132::host::ImageSpec::vt132_like_segments(bytes);
  const auto img = vt132::host::build_image(spec);
  return std::string(img.begin(), img.end());
}

std::string Fixture::publish(const std::string& img, const ReleaseOptions& o) {
  const std::string base = "/dl/" + o.tag + "/";
  Route image_route;
  image_route.body = img;
  https->set(base + o.image_asset, image_route);
  const auto digest = vt132::core::Sha256::of(reinterpret_cast<const uint8_t*>(img.data()), img.size());
  std::string assets = R"({"url":"https://api.example/assets/1","id":1,"name":")" + o.image_asset +
                       R"(","label":null,"uploader":{"login":"maint","id":7,"type":"User","site_admin":false},)"
                       R"("content_type":"application/octet-stream","state":"uploaded","size":)" +
                       std::to_string(img.size()) + R"(,"download_count":12,"browser_download_url":")" +
                       https->url(base + o.image_asset) + R"("})";
  if (o.with_manifest) {
    vt132::host::ManifestFields m;
    m.project = "VT132";
    m.version = o.tag;
    m.secure_version = o.manifest_secure_version;
    m.chip = o.chip;
    m.image = o.manifest_image.empty() ? o.image_asset : o.manifest_image;
    m.size = static_cast<uint32_t>(img.size());
    m.sha256 = digest;
    m.prerelease = o.prerelease;
    m.created = std::time(nullptr) - 60;
    m.expires = std::time(nullptr) + o.expires_in;
    std::string text = vt132::host::write_manifest(m);
    if (!o.manifest_sha256.empty()) text = std::regex_replace(text, std::regex(hex(digest)), o.manifest_sha256);
    if (o.manifest_size > 0) {
      if (text.size() > o.manifest_size) throw std::runtime_error("manifest longer than manifest_size");
      text.insert(1, o.manifest_size - text.size(), ' ');  // JSON whitespace after the '{'
    }
    last_manifest = text;
    Route mr;
    mr.body = text;
    mr.content_type = "application/json";
    https->set(base + "vt132-manifest.json", mr);
    assets += R"(,{"name":"vt132-manifest.json","size":)" + std::to_string(text.size()) +
              R"(,"browser_download_url":")" + https->url(base + "vt132-manifest.json") + R"("})";
    if (o.with_signature) {
      const auto sig = vt132::host::SigningKey(signing_key).sign(text);
      Route sr;
      sr.body.assign(sig.begin(), sig.end());
      https->set(base + "vt132-manifest.json.sig", sr);
      assets += R"(,{"name":"vt132-manifest.json.sig","size":)" + std::to_string(sig.size()) +
                R"(,"browser_download_url":")" + https->url(base + "vt132-manifest.json.sig") + R"("})";
    }
  }
  // Shaped like api.github.com: a long body and nested user objects around what we need.
  const std::string body(30000, 'n');
  const std::string json =
      R"({"url":"https://api.example/releases/1","html_url":"https://example/r","id":1,)"
      R"("author":{"login":"thehighnibble","id":1,"node_id":"x","type":"User","site_admin":false},)"
      R"("node_id":"RE_1","tag_name":")" + o.tag + R"(","target_commitish":"main","name":")" + o.tag +
      R"(","draft":false,"prerelease":)" + (o.prerelease ? "true" : "false") +
      R"(,"created_at":"2026-11-24T09:00:00Z","published_at":"2026-11-24T09:00:00Z","assets":[)" + assets +
      R"(],"tarball_url":"https://example/t","zipball_url":"https://example/z","body":"Release notes\r\n\u2022 )" +
      body + R"( \"quoted\" {not json} [x]","reactions":{"url":"x","total_count":3,"+1":2,"heart":1}})";
  Route jr;
  jr.body = json;
  jr.content_type = "application/json; charset=utf-8";
  jr.chunked = true;
  https->set("/repos/o/r/releases/latest", jr);
  jr.body = "[" + json + "]";  // the list endpoint, newest first
  https->set("/repos/o/r/releases", jr);
  return json;
}

std::vector<std::string> Fixture::sim_args(bool require_signature) const {
  std::vector<std::string> a = {"--flash", flash.string(), "--ca", ca_cert, "--heap-log", "--net-timeout", "3000"};
  if (require_signature) {
    a.push_back("--pubkey");
    a.push_back(public_key);
  }
  return a;
}

std::unique_ptr<SimProcess> Fixture::start(std::vector<std::string> extra, bool require_signature) {
  auto args = sim_args(require_signature);
  if (!fs::exists(flash)) {
    args.push_back("--init-app");
    args.push_back((dir / "v1.bin").string());
  }
  args.insert(args.end(), extra.begin(), extra.end());
  auto sim = std::make_unique<SimProcess>(args, (dir / "sim.log").string());
  return sim;
}

std::unique_ptr<SimProcess> Fixture::start_online(const std::string& url, std::vector<std::string> extra,
                                                  bool require_signature) {
  auto sim = start(std::move(extra), require_signature);
  const std::string w = sim->command("AT+W=home,secret");
  if (w.find("\r\nOK\r\n") == std::string::npos) throw std::runtime_error("AT+W= failed: " + w);
  const std::string u = sim->command("AT+U=" + url);
  if (u.find("\r\nOK\r\n") == std::string::npos) throw std::runtime_error("AT+U= failed: " + u);
  return sim;
}

std::string Fixture::running_after_restart(std::vector<std::string> extra) {
  auto sim = start(std::move(extra));
  const std::string out = sim->command("AT+U$");
  sim->finish();
  static const std::regex running("RUNNING \\[(app[01])\\] \\[([^\\]]*)\\]");
  std::smatch m;
  if (!std::regex_search(out, m, running)) return "no answer: " + out;
  return m[2].str() + " " + m[1].str();
}

}  // namespace simtest
