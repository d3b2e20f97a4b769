#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "vt132/core/ota/release_scanner.hpp"

using vt132::core::ReleaseScanner;
using vt132::core::ScanError;

namespace {
std::string release(const std::string& tag, bool pre, const std::string& extra = "") {
  return R"({"url":"x","tag_name":")" + tag + R"(","draft":false,"prerelease":)" + (pre ? "true" : "false") +
         R"(,"author":{"login":"a","name":"VT132.bin"},"body":"notes with \"quotes\" and \u00e9 and [brackets] {braces}",)" +
         R"("assets":[{"name":"other.zip","browser_download_url":"https://h/other.zip","size":5},)" +
         R"({"name":"VT132.bin","size":1126512,"uploader":{"name":"x"},"browser_download_url":"https://h/)" + tag +
         R"(/VT132.bin"},{"name":"vt132-manifest.json","browser_download_url":"https://h/m.json","size":300}])" + extra + "}";
}

ScanError scan(const std::string& doc, ReleaseScanner& s, size_t chunk) {
  for (size_t i = 0; i < doc.size(); i += chunk) s.feed(doc.data() + i, std::min(chunk, doc.size() - i));
  return s.finish();
}
}  // namespace

TEST_SUITE("release_scanner") {
  TEST_CASE("picks the image and manifest assets of a single release, whatever the chunking") {
    for (size_t chunk : {1, 7, 4096}) {
      ReleaseScanner s("VT132.bin", false);
      REQUIRE(scan(release("V1.7.0", false), s, chunk) == ScanError::Ok);
      CHECK(std::string(s.release().version.c_str()) == "V1.7.0");
      CHECK(std::string(s.release().image.url) == "https://h/V1.7.0/VT132.bin");
      CHECK(s.release().image.size == 1126512);
      CHECK(std::string(s.release().manifest.url) == "https://h/m.json");
      CHECK_FALSE(s.release().signature.found);
    }
  }

  TEST_CASE("a prerelease counts only when the user opted in") {
    ReleaseScanner off("VT132.bin", false);
    CHECK(scan(release("V1.8.0-beta.1", true), off, 64) == ScanError::NoRelease);
    ReleaseScanner on("VT132.bin", true);
    CHECK(scan(release("V1.8.0-beta.1", true), on, 64) == ScanError::Ok);
  }

  TEST_CASE("from a list of releases the highest allowed version wins") {
    const std::string list = "[" + release("V1.8.0-beta.1", true) + "," + release("V1.7.0", false) + "," +
                             release("V1.6.0", false) + "]";
    ReleaseScanner stable("VT132.bin", false);
    REQUIRE(scan(list, stable, 100) == ScanError::Ok);
    CHECK(std::string(stable.release().version.c_str()) == "V1.7.0");
    ReleaseScanner beta("VT132.bin", true);
    REQUIRE(scan(list, beta, 100) == ScanError::Ok);
    CHECK(std::string(beta.release().version.c_str()) == "V1.8.0-beta.1");
  }

  TEST_CASE("a release without the image asset is NoImage, not NoRelease") {
    ReleaseScanner s("VT132-S3.bin", false);
    CHECK(scan(release("V1.7.0", false), s, 50) == ScanError::NoImage);
  }

  TEST_CASE("no release at all, or only unwanted ones, is NoRelease") {
    for (const std::string& doc : {std::string("[]"), "[" + release("V1.8.0-beta.1", true) + "]",
                                   release("V1.7.0", false, R"(,"draft":true)")}) {
      ReleaseScanner s("VT132.bin", false);
      CHECK_MESSAGE(scan(doc, s, 50) == ScanError::NoRelease, doc);
    }
  }

  TEST_CASE("an older release with the image wins over a newer one without it") {
    ReleaseScanner s("VT132.bin", false);
    std::string newer = release("V1.8.0", false);
    const std::string asset = R"("name":"VT132.bin","size")";
    newer.replace(newer.find(asset), asset.size(), R"("name":"VT132-S3.bin","size")");
    REQUIRE(scan("[" + newer + "," + release("V1.7.0", false) + "]", s, 50) == ScanError::Ok);
    CHECK(std::string(s.release().version.c_str()) == "V1.7.0");
  }

  TEST_CASE("an asset URL we need longer than kMaxAssetUrl is TooLong; one we skip is ignored") {
    const std::string long_url = "https://h/" + std::string(vt132::core::kMaxAssetUrl, 'u');
    std::string ours = release("V1.7.0", false);
    ours.replace(ours.find("https://h/m.json"), 16, long_url);
    ReleaseScanner s("VT132.bin", false);
    CHECK(scan(ours, s, 64) == ScanError::TooLong);
    std::string other = release("V1.7.0", false);
    other.replace(other.find("https://h/other.zip"), 19, long_url);
    ReleaseScanner t("VT132.bin", false);
    CHECK(scan(other, t, 64) == ScanError::Ok);
    // Exactly kMaxAssetUrl characters still fit.
    std::string fits = release("V1.7.0", false);
    fits.replace(fits.find("https://h/m.json"), 16, long_url.substr(0, vt132::core::kMaxAssetUrl));
    ReleaseScanner u("VT132.bin", false);
    REQUIRE(scan(fits, u, 64) == ScanError::Ok);
    CHECK(std::strlen(u.release().manifest.url) == vt132::core::kMaxAssetUrl);
  }

  TEST_CASE("a long release body streams through a fixed-size scanner") {
    const std::string body(200000, 'x');
    ReleaseScanner s("VT132.bin", false);
    CHECK(scan(release("V1.7.0", false, R"(,"body2":")" + body + "\""), s, 1000) == ScanError::Ok);
    CHECK(sizeof(ReleaseScanner) < 4096);
  }

  TEST_CASE("keeps the first three patch assets served next to their URL's name, skips the rest") {
    auto patch = [](const std::string& name, const std::string& url) {
      return R"({"name":")" + name + R"(","size":10,"browser_download_url":")" + url + R"("})";
    };
    std::string doc = release("V1.1.0", false);
    const std::string list = patch("VT132-from-V1.0.0.patch", "https://h/d/VT132-from-V1.0.0.patch") + "," +
                             patch("notes.txt", "https://h/d/notes.txt") + "," +
                             patch("VT132-from-V0.9.patch", "https://elsewhere/other-name.patch") + "," +
                             patch("VT132-from-V0.8.patch", "https://h/d/VT132-from-V0.8.patch") + "," +
                             patch("VT132-from-V0.7.patch", "https://h/d/VT132-from-V0.7.patch") + "," +
                             patch("VT132-from-V0.6.patch", "https://h/d/VT132-from-V0.6.patch") + ",";
    doc.insert(doc.find(R"("assets":[)") + std::strlen(R"("assets":[)"), list);
    for (size_t chunk : {1, 4096}) {
      ReleaseScanner s("VT132.bin", false);
      REQUIRE(scan(doc, s, chunk) == ScanError::Ok);
      const auto& r = s.release();
      REQUIRE(r.patch_count == 3);
      CHECK(std::string(r.patch_names[0]) == "VT132-from-V1.0.0.patch");
      // Skipped: not a .patch name, and a URL whose last segment is not the name.
      CHECK(std::string(r.patch_names[1]) == "VT132-from-V0.8.patch");
      CHECK(std::string(r.patch_names[2]) == "VT132-from-V0.7.patch");
    }
  }

  TEST_CASE("broken JSON is refused") {
    for (const char* bad : {R"({"tag_name":"V1.0.0",})", R"({"a":[1,2}})", R"({"a":tru})", R"("text")",
                            R"({"a":"x)", R"({"a":1} x)", "{\"a\":\"\x01\"}"}) {
      ReleaseScanner s("VT132.bin", false);
      CHECK_MESSAGE(scan(bad, s, 3) == ScanError::Syntax, bad);
    }
    std::string deep(40, '[');
    ReleaseScanner s("VT132.bin", false);
    CHECK(scan(deep, s, 5) == ScanError::TooDeep);
  }
}
