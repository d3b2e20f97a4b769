#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "vt132/core/manifest.hpp"

namespace core = vt132::core;

namespace {

const std::string kSha = "854eb6b6bc3582c5640e1f566c00983f55c960a6914f4195cf26ee544c520405";

std::string good_manifest() {
  return "{\"schema\":1,\"project\":\"VT132\",\"version\":\"V1.8.0\",\"secure_version\":2,\"chip\":\"esp32\","
         "\"image\":\"VT132.bin\",\"size\":1126512,\"sha256\":\"" + kSha + "\",\"channel\":\"stable\","
         "\"created\":\"2026-11-24T09:00:00Z\",\"expires\":\"2027-11-24T09:00:00Z\"}\n";
}

std::string replace(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

core::ManifestProblem parse_problem(const std::string& text) {
  core::Manifest m;
  core::ManifestProblem p;
  core::parse_manifest(text.data(), text.size(), m, p);
  return p;
}

std::string message(const std::string& text) {
  char buf[160];
  core::format_manifest_problem(parse_problem(text), buf, sizeof buf);
  return buf;
}

}  // namespace

TEST_SUITE("manifest") {
  TEST_CASE("a manifest as vt132-release writes it parses into every field") {
    const std::string text = good_manifest();
    core::Manifest m;
    REQUIRE(core::parse_manifest(text.data(), text.size(), m) == core::ManifestError::Ok);
    CHECK(m.schema == 1);
    CHECK(std::string(m.project) == "VT132");
    CHECK(std::string(m.version) == "V1.8.0");
    CHECK(m.secure_version == 2);
    CHECK(std::string(m.chip) == "esp32");
    CHECK(std::string(m.image) == "VT132.bin");
    CHECK(m.size == 1126512);
    CHECK(m.sha256[0] == 0x85);
    CHECK(m.sha256[31] == 0x05);
    CHECK(std::string(m.channel) == "stable");
    CHECK(m.created == 1795510800);
    CHECK(m.expires == 1827046800);
  }

  TEST_CASE("key order, whitespace and unknown keys do not matter") {
    std::string text = replace(good_manifest(), "{\"schema\":1,", "{ \"future\" : \"x\" ,\n \"schema\" : 1 ,");
    core::Manifest m;
    CHECK(core::parse_manifest(text.data(), text.size(), m) == core::ManifestError::Ok);
  }

  TEST_CASE("each malformed manifest is refused with its own error") {
    struct Case {
      std::string text;
      core::ManifestError error;
    };
    const std::string g = good_manifest();
    const Case cases[] = {
        {"", core::ManifestError::Syntax},
        {"[]", core::ManifestError::Syntax},
        {g + "x", core::ManifestError::Syntax},
        {std::string(1025, ' '), core::ManifestError::TooLarge},
        {replace(g, "\"size\":1126512", "\"size\":{\"a\":1}"), core::ManifestError::Syntax},
        {replace(g, "\"size\":1126512", "\"size\":null"), core::ManifestError::Syntax},
        {replace(g, "\"size\":1126512", "\"size\":-1"), core::ManifestError::BadNumber},
        {replace(g, "\"size\":1126512", "\"size\":1.5"), core::ManifestError::BadNumber},
        {replace(g, "\"size\":1126512", "\"size\":4294967296"), core::ManifestError::BadNumber},
        {replace(g, "\"size\":1126512", "\"size\":01"), core::ManifestError::BadNumber},
        {replace(g, "\"size\":1126512", "\"size\":\"1126512\""), core::ManifestError::WrongType},
        {replace(g, "\"schema\":1", "\"schema\":2"), core::ManifestError::UnsupportedSchema},
        {replace(g, "\"VT132\"", "\"VT\\u0031\""), core::ManifestError::BadString},
        {replace(g, "\"VT132\"", "\"VT\x01\""), core::ManifestError::BadString},
        {replace(g, "\"VT132\"", "\"" + std::string(65, 'x') + "\""), core::ManifestError::StringTooLong},
        {replace(g, "\"chip\":\"esp32\",", ""), core::ManifestError::MissingKey},
        {replace(g, "\"chip\":\"esp32\",", "\"chip\":\"esp32\",\"chip\":\"esp32\","), core::ManifestError::DuplicateKey},
        {replace(g, kSha, kSha.substr(1)), core::ManifestError::BadSha256},
        {replace(g, kSha, "854EB6B6" + kSha.substr(8)), core::ManifestError::BadSha256},
        {replace(g, "2027-11-24T09:00:00Z", "2027-02-29T09:00:00Z"), core::ManifestError::BadTimestamp},
        {replace(g, "2027-11-24T09:00:00Z", "2027-11-24 09:00:00"), core::ManifestError::BadTimestamp},
        {replace(g, "\"stable\"", "\"nightly\""), core::ManifestError::BadChannel},
    };
    for (const Case& c : cases) {
      INFO(c.text);
      CHECK(parse_problem(c.text).error == c.error);
    }
    std::string many = "{";
    for (int i = 0; i < 40; ++i) many += "\"k" + std::to_string(i) + "\":1,";
    many += "\"end\":1}";
    CHECK(parse_problem(many).error == core::ManifestError::TooManyKeys);
  }

  TEST_CASE("a failed parse leaves the output untouched and the message names the key") {
    core::Manifest m;
    std::strcpy(m.version, "keep");
    const std::string text = replace(good_manifest(), "\"chip\":\"esp32\",", "");
    CHECK(core::parse_manifest(text.data(), text.size(), m) == core::ManifestError::MissingKey);
    CHECK(std::string(m.version) == "keep");
    CHECK(message(text) == "manifest: missing key \"chip\"");
    CHECK(message(replace(good_manifest(), "\"stable\"", "\"nightly\"")) ==
          "manifest: channel is neither \"stable\" nor \"beta\" for \"channel\" at offset 204");
  }

  TEST_CASE("UTC timestamps convert both ways, leap days included") {
    struct Case {
      const char* text;
      int64_t seconds;
    };
    const Case cases[] = {{"1970-01-01T00:00:00Z", 0},
                          {"2000-02-29T12:34:56Z", 951827696},
                          {"2026-11-24T09:00:00Z", 1795510800},
                          {"2038-01-19T03:14:08Z", 2147483648}};
    for (const Case& c : cases) {
      int64_t s = -1;
      CHECK(core::parse_utc_timestamp(c.text, 20, s));
      CHECK(s == c.seconds);
      char out[21];
      core::format_utc_timestamp(c.seconds, out);
      CHECK(std::string(out) == c.text);
    }
    int64_t s;
    CHECK_FALSE(core::parse_utc_timestamp("1969-12-31T23:59:59Z", 20, s));
    CHECK_FALSE(core::parse_utc_timestamp("2026-13-01T00:00:00Z", 20, s));
    CHECK_FALSE(core::parse_utc_timestamp("2026-11-24T24:00:00Z", 20, s));
    CHECK_FALSE(core::parse_utc_timestamp("2100-02-29T00:00:00Z", 20, s));
  }
}

namespace {

const std::string kBase1 = std::string(64, 'a');
const std::string kBase2 = std::string(64, 'b');

std::string patch_keys(int n, const std::string& base, const std::string& asset = "VT132-from-V1.7.0.patch") {
  const std::string k = "\"patch" + std::to_string(n) + "_";
  return "," + k + "base\":\"" + base + "\"," + k + "asset\":\"" + asset + "\"," + k + "size\":12345," + k +
         "sha256\":\"" + kSha + "\"";
}

std::string with_fields(const std::string& fields) { return replace(good_manifest(), "}\n", fields + "}\n"); }

}  // namespace

TEST_SUITE("manifest") {
  TEST_CASE("a delta listing parses into patch entries a device looks up by its running image's SHA-256") {
    const std::string text = with_fields(",\"delta\":1" + patch_keys(1, kBase1) + patch_keys(2, kBase2, "VT132-from-V1.6.0.patch"));
    core::Manifest m;
    REQUIRE(core::parse_manifest(text.data(), text.size(), m) == core::ManifestError::Ok);
    CHECK(m.delta == 1);
    REQUIRE(m.patch_count == 2);
    CHECK(std::string(m.patches[1].asset) == "VT132-from-V1.6.0.patch");
    CHECK(m.patches[0].size == 12345);
    core::Sha256Digest base{};
    base.fill(0xbb);
    const core::ManifestPatch* p = m.patch_for(base);
    REQUIRE(p != nullptr);
    CHECK(p == &m.patches[1]);
    base.fill(0xcc);
    CHECK(m.patch_for(base) == nullptr);
  }

  TEST_CASE("a manifest without a delta listing has no patches, and one of a later listing version is ignored") {
    core::Manifest m;
    const std::string plain = good_manifest();
    REQUIRE(core::parse_manifest(plain.data(), plain.size(), m) == core::ManifestError::Ok);
    CHECK(m.patch_count == 0);
    const std::string later = with_fields(",\"delta\":2" + patch_keys(1, kBase1));
    REQUIRE(core::parse_manifest(later.data(), later.size(), m) == core::ManifestError::Ok);
    CHECK(m.patch_count == 0);  // the full image is installed, as by a device without delta support
    CHECK(std::string(m.image) == "VT132.bin");
    // Entries past the third are keys of a later listing: ignored like any unknown key.
    const std::string more = with_fields(",\"delta\":1" + patch_keys(1, kBase1) + patch_keys(4, kBase2));
    REQUIRE(core::parse_manifest(more.data(), more.size(), m) == core::ManifestError::Ok);
    CHECK(m.patch_count == 1);
  }

  TEST_CASE("an incomplete, gapped or unversioned patch listing is refused by name") {
    CHECK(message(with_fields(",\"delta\":1,\"patch1_base\":\"" + kBase1 + "\"")) ==
          "manifest: missing key \"patch1_asset\"");
    CHECK(message(with_fields(",\"delta\":1" + patch_keys(2, kBase1))).find("patch entry with size 0 or without the entry before it for \"patch2_base\"") !=
          std::string::npos);
    CHECK(message(with_fields(patch_keys(1, kBase1))) == "manifest: missing key \"delta\"");
    CHECK(parse_problem(with_fields(",\"delta\":1" + patch_keys(1, "AB"))).error == core::ManifestError::BadSha256);
    CHECK(parse_problem(with_fields(",\"delta\":1" + replace(patch_keys(1, kBase1), "12345", "0"))).error ==
          core::ManifestError::BadPatch);
    CHECK(parse_problem(with_fields(",\"delta\":\"1\"" + patch_keys(1, kBase1))).error == core::ManifestError::WrongType);
  }
}
