#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include "../../../support/host_test_files.hpp"
#include "release_trust.hpp"
#include "vt132/core/sha256.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/manifest_writer.hpp"
#include "vt132/host/signing.hpp"

using namespace vt132::server;
namespace fs = std::filesystem;
using vt132::test::TempDir;

namespace {

// A release whose assets are real files of `dir`, as the store maps them.
struct ReleaseBuilder {
  const TempDir& dir;
  Release release;

  void add(const std::string& name, const std::string& bytes) {
    const fs::path file = dir.path() / name;
    std::ofstream(file, std::ios::binary) << bytes;
    Asset a;
    a.id = release.assets.size() + 1;
    a.name = name;
    a.size = bytes.size();
    const auto digest = vt132::core::Sha256::of(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    a.sha256 = vt132::host::to_hex(digest.data(), digest.size());
    a.blob = Blob::map(file, bytes.size());
    release.assets.push_back(a);
  }
};

std::string manifest_for(const std::string& image, int64_t expires) {
  vt132::host::ManifestFields f;
  f.project = "VT132";
  f.version = "V1.8.0";
  f.chip = "esp32";
  f.image = "VT132.bin";
  f.size = static_cast<uint32_t>(image.size());
  f.sha256 = vt132::core::Sha256::of(reinterpret_cast<const uint8_t*>(image.data()), image.size());
  f.created = 1'800'000'000;
  f.expires = expires;
  return vt132::host::write_manifest(f);
}

// VerifyKey moves but does not copy, so no initializer list.
std::vector<vt132::host::VerifyKey> trusting(const fs::path& public_pem) {
  std::vector<vt132::host::VerifyKey> keys;
  keys.emplace_back(public_pem);
  return keys;
}

std::string text_of(const std::vector<uint8_t>& v) { return std::string(v.begin(), v.end()); }

}  // namespace

TEST_SUITE("server_release_trust") {
  TEST_CASE("a signed release names the trusted key that verifies it, and its expiry") {
    TempDir dir;
    const auto files = vt132::host::generate_signing_key(dir.path() / "release.pem");
    const vt132::host::SigningKey key(files.private_key);
    const std::string image(4096, 'x');
    const std::string manifest = manifest_for(image, 1'900'000'000);
    ReleaseBuilder b{dir, {}};
    b.add("VT132.bin", image);
    b.add("vt132-manifest.json", manifest);
    b.add("vt132-manifest.json.sig", text_of(key.sign(manifest)));

    const ReleaseTrust unchecked = release_trust(b.release, {});
    CHECK(unchecked.signing == Signing::SignedUnchecked);
    CHECK(unchecked.expires == 1'900'000'000);
    CHECK_FALSE(unchecked.image_mismatch);

    const ReleaseTrust by = release_trust(b.release, trusting(files.public_key));
    CHECK(by.signing == Signing::SignedBy);
    CHECK(by.key_fingerprint == files.fingerprint_sha256);

    const auto other = vt132::host::generate_signing_key(dir.path() / "other.pem");
    CHECK(release_trust(b.release, trusting(other.public_key)).signing == Signing::Untrusted);
  }

  TEST_CASE("no signature is unsigned; a signature without a usable manifest is damaged") {
    TempDir dir;
    const std::string image(100, 'y');
    ReleaseBuilder unsigned_release{dir, {}};
    unsigned_release.add("VT132.bin", image);
    unsigned_release.add("vt132-manifest.json", manifest_for(image, 1'900'000'000));
    const ReleaseTrust u = release_trust(unsigned_release.release, {});
    CHECK(u.signing == Signing::Unsigned);
    CHECK(u.expires == 1'900'000'000);

    TempDir dir2;
    ReleaseBuilder damaged{dir2, {}};
    damaged.add("VT132.bin", image);
    damaged.add("vt132-manifest.json", "{\"schema\":1}\n");
    damaged.add("vt132-manifest.json.sig", "not a signature");
    const ReleaseTrust d = release_trust(damaged.release, {});
    CHECK(d.signing == Signing::Damaged);
    CHECK(d.problem.find("manifest") != std::string::npos);
    CHECK_FALSE(d.expires.has_value());
  }

  TEST_CASE("a manifest naming other bytes than the image served is a mismatch") {
    TempDir dir;
    ReleaseBuilder b{dir, {}};
    b.add("VT132.bin", std::string(100, 'a'));
    b.add("vt132-manifest.json", manifest_for(std::string(100, 'b'), 1'900'000'000));
    CHECK(release_trust(b.release, {}).image_mismatch);
  }

  TEST_CASE("a release is yanked when its name starts with [yanked]") {
    Release r;
    r.name = "[yanked] V1.6.0";
    CHECK(is_yanked(r));
    r.name = "V1.6.0 [yanked]";
    CHECK_FALSE(is_yanked(r));
  }
}
