#include <doctest/doctest.h>

#include <string>

#include "vt132/host/checksums_file.hpp"

using vt132::host::checksum_line;
using vt132::host::with_checksums;

namespace {
const std::string kOldManifest(64, 'a');
const std::string kNewManifest(64, 'b');
const std::string kImage(64, 'c');
const std::string kNewSig(64, 'd');
}  // namespace

TEST_SUITE("checksums_file") {
  TEST_CASE("a checksum line is sha256sum's text-mode line") {
    CHECK(checksum_line(kImage, "VT132.bin") == kImage + "  VT132.bin\n");
  }

  TEST_CASE("the named files' lines get their new digests and every other line stays byte for byte") {
    const std::string old = checksum_line(kImage, "VT132.bin") + checksum_line(kOldManifest, "manifest.json") +
                            "# a maintainer's comment  \n";
    const std::string out = with_checksums(old, {{"manifest.json", kNewManifest}});
    CHECK(out == checksum_line(kImage, "VT132.bin") + checksum_line(kNewManifest, "manifest.json") +
                     "# a maintainer's comment  \n");
  }

  TEST_CASE("a name no line carries is appended, and a last line without a newline gets one") {
    const std::string old = kImage + "  VT132.bin";
    const std::string out = with_checksums(old, {{"manifest.json", kNewManifest}, {"manifest.json.sig", kNewSig}});
    CHECK(out == checksum_line(kImage, "VT132.bin") + checksum_line(kNewManifest, "manifest.json") +
                     checksum_line(kNewSig, "manifest.json.sig"));
  }

  TEST_CASE("an empty or garbled file still gets the named lines, and nothing is lost") {
    CHECK(with_checksums("", {{"a", kImage}}) == checksum_line(kImage, "a"));
    CHECK(with_checksums("\n\nno separator here", {{"a", kImage}}) == "\n\nno separator here\n" + checksum_line(kImage, "a"));
  }

  TEST_CASE("a name that only starts like a named file is not rewritten") {
    const std::string old = checksum_line(kOldManifest, "manifest.json.bak");
    CHECK(with_checksums(old, {{"manifest.json", kNewManifest}}) == old + checksum_line(kNewManifest, "manifest.json"));
  }
}
