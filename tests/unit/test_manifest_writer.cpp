#include <doctest/doctest.h>

#include <string>

#include "vt132/core/manifest.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/manifest_writer.hpp"

using vt132::host::ManifestFields;

namespace {
ManifestFields sample() {
  ManifestFields f;
  f.project = "VT132";
  f.version = "V1.9.0-beta.1";
  f.secure_version = 3;
  f.chip = "esp32";
  f.image = "VT132.bin";
  f.size = 1126512;
  for (size_t i = 0; i < f.sha256.size(); ++i) f.sha256[i] = static_cast<uint8_t>(i);
  f.prerelease = true;
  f.created = 1795510800;
  f.expires = 1795510800 + 86400;
  return f;
}
}  // namespace

TEST_SUITE("manifest_writer") {
  TEST_CASE("the written manifest is the documented single line and reads back field for field") {
    const std::string text = vt132::host::write_manifest(sample());
    CHECK(text ==
          "{\"schema\":1,\"project\":\"VT132\",\"version\":\"V1.9.0-beta.1\",\"secure_version\":3,"
          "\"chip\":\"esp32\",\"image\":\"VT132.bin\",\"size\":1126512,"
          "\"sha256\":\"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\","
          "\"channel\":\"beta\",\"created\":\"2026-11-24T09:00:00Z\",\"expires\":\"2026-11-25T09:00:00Z\"}\n");
    vt132::core::Manifest m;
    REQUIRE(vt132::core::parse_manifest(text.data(), text.size(), m) == vt132::core::ManifestError::Ok);
    CHECK(std::string(m.version) == "V1.9.0-beta.1");
    CHECK(m.secure_version == 3);
    CHECK(m.sha256 == sample().sha256);
    CHECK(m.expires - m.created == 86400);
  }

  TEST_CASE("fields the format cannot carry are refused, not escaped") {
    ManifestFields f = sample();
    f.project = "VT\"132";
    CHECK_THROWS_AS(vt132::host::write_manifest(f), vt132::host::Error);
    f = sample();
    f.image = std::string(65, 'a');
    CHECK_THROWS_WITH_AS(vt132::host::write_manifest(f), doctest::Contains("longer than 64"), vt132::host::Error);
    f = sample();
    f.version = "V1.0.0\n";
    CHECK_THROWS_AS(vt132::host::write_manifest(f), vt132::host::Error);
  }
}

TEST_SUITE("manifest_writer") {
  TEST_CASE("patches are listed after the schema-1 keys, read back, and three fit the 1024 bytes") {
    ManifestFields f = sample();
    for (int i = 0; i < 3; ++i) {
      vt132::host::ManifestPatchEntry e;
      e.base_sha256.fill(static_cast<uint8_t>(0x10 + i));
      e.asset = "VT132-from-V1." + std::to_string(i) + ".0-beta.12.patch";
      e.size = 56789 + static_cast<uint32_t>(i);
      e.sha256.fill(static_cast<uint8_t>(0x20 + i));
      f.patches.push_back(e);
    }
    const std::string text = vt132::host::write_manifest(f);
    CHECK(text.size() <= vt132::core::kMaxManifestSize);
    CHECK(text.find(",\"expires\":\"2026-11-25T09:00:00Z\",\"delta\":1,\"patch1_base\":\"1010") != std::string::npos);
    vt132::core::Manifest m;
    REQUIRE(vt132::core::parse_manifest(text.data(), text.size(), m) == vt132::core::ManifestError::Ok);
    REQUIRE(m.patch_count == 3);
    CHECK(std::string(m.patches[2].asset) == "VT132-from-V1.2.0-beta.12.patch");
    CHECK(m.patches[2].size == 56791);
    CHECK(m.patches[1].sha256 == f.patches[1].sha256);
  }

  TEST_CASE("a fourth patch or a manifest over 1024 bytes is refused with what to do") {
    ManifestFields f = sample();
    vt132::host::ManifestPatchEntry e;
    e.asset = std::string(60, 'p');
    e.size = 1;
    f.patches.assign(4, e);
    CHECK_THROWS_WITH_AS(vt132::host::write_manifest(f), "a manifest lists at most 3 patches, not 4", vt132::host::Error);
    f.patches.resize(3);
    f.project = std::string(64, 'P');
    f.version = std::string(64, 'V');
    CHECK_THROWS_WITH_AS(vt132::host::write_manifest(f), doctest::Contains("devices read at most 1024"), vt132::host::Error);
  }
}
