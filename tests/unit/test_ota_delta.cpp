// The OTA handle installing by delta patch (docs/delta.md) on the host's OTA slots over a RAM
// flash, fed by a scripted server: the signed manifest lists a patch for the running image, so
// the patch travels instead of the image; any failure of it falls back to the full image in
// the same update.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "../support/ram_board.hpp"
#include "../support/scripted_net.hpp"
#include "port/host_system.hpp"
#include "vt132/core/boot/flash_ota_slots.hpp"
#include "vt132/core/delta/patch_applier.hpp"
#include "vt132/core/ota/ota_update.hpp"
#include "vt132/host/delta_encoder.hpp"
#include "vt132/host/manifest_writer.hpp"

using namespace vt132::core;
using vt132::test::app_image;
using vt132::test::FakeClock;
using vt132::test::ok_response;
using vt132::test::RamBoard;
using vt132::test::ScriptedNet;

namespace {

constexpr const char* kPatchName = "VT132-from-V1.0.0.patch";

Sha256Digest sha_of(const std::vector<uint8_t>& b) { return Sha256::of(b.data(), b.size()); }

std::vector<std::string> patch_failures;
void record_patch_failure(void*, const char* reason) { patch_failures.emplace_back(reason); }

// A board running V1.0.0 from app0; the release V1.1.0 is its realistic next release, with a
// manifest listing a patch from V1.0.0 (or from `patch_base`, when given).
struct DeltaRig {
  std::vector<uint8_t> base = app_image("V1.0.0", 0, 200 * 1024);
  std::vector<uint8_t> next;
  std::vector<uint8_t> patch;
  RamBoard board{base};
  vt132::core::boot::BootResult booted = board.boot();
  vt132::core::boot::FlashOtaSlots slots{board.flash, board.table, board.efuse, booted};
  FakeClock clock;
  ScriptedNet net;
  vt132::hostport::MallocAllocator backing;
  CountingAllocator heap{backing};
  OtaUpdate update{OtaPorts{slots, net, clock, board.efuse, nullptr, heap}};
  OtaQuery query;
  OtaConfig config;
  std::string manifest;

  DeltaRig() {
    vt132::host::NextReleaseSpec spec;
    spec.version = "V1.1.0";
    next = vt132::host::build_next_release(base, spec);
    patch = vt132::host::make_patch(base, next);
    net.clock = &clock;
    net.piece = 4096;
    query.valid = true;
    REQUIRE(parse_version("V1.1.0", query.version) == VersionError::Ok);
    std::strcpy(query.image_url, "http://h/rel/VT132.bin");
    std::strcpy(query.manifest_url, "http://h/rel/vt132-manifest.json");
    std::strcpy(query.patch_names[0], kPatchName);
    query.patch_count = 1;
    config.query = &query;
    config.on_patch_failed = record_patch_failure;
    patch_failures.clear();
    manifest = manifest_for(base, patch);
  }

  std::string manifest_for(const std::vector<uint8_t>& patch_base, const std::vector<uint8_t>& listed_patch) const {
    vt132::host::ManifestFields f;
    f.project = "VT132";
    f.version = "V1.1.0";
    f.chip = "esp32";
    f.image = "VT132.bin";
    f.size = static_cast<uint32_t>(next.size());
    f.sha256 = sha_of(next);
    f.created = 1764000000;
    f.expires = 1864000000;
    f.patches.push_back({sha_of(patch_base), kPatchName, static_cast<uint32_t>(listed_patch.size()), sha_of(listed_patch)});
    return vt132::host::write_manifest(f);
  }

  OtaResult install() {
    const OtaResult b = update.begin(config);
    char why[40];
    describe(b, why, sizeof why);
    INFO("begin: ", why);
    CHECK(b.ok());
    if (!b.ok()) return b;
    for (;;) {
      const OtaResult r = update.perform();
      if (r.error == UpdateError::InProgress) continue;
      if (!r.ok()) {
        update.abort();
        return r;
      }
      return update.finish();
    }
  }

  // The bytes the new slot holds, as long as the release image.
  std::vector<uint8_t> slot1() const {
    const auto at = board.flash.bytes().begin() + board.slot(1).offset;
    return std::vector<uint8_t>(at, at + static_cast<long>(next.size()));
  }
  // The paths of the requests, in order.
  std::vector<std::string> paths() const {
    std::vector<std::string> out;
    for (const auto& r : net.requests) out.push_back(r.substr(0, r.find(" HTTP/")));
    return out;
  }
};

}  // namespace

TEST_SUITE("ota_delta") {
  TEST_CASE("a release listing a patch for the running image installs by patch: only the patch travels") {
    DeltaRig rig;
    INFO("image ", rig.next.size(), " B, patch ", rig.patch.size(), " B");
    CHECK(rig.patch.size() * 10 < rig.next.size());
    rig.net.responses = {ok_response(rig.manifest), ok_response(rig.patch)};
    REQUIRE(rig.install().ok());
    CHECK(patch_failures.empty());
    CHECK(rig.paths() == std::vector<std::string>{"GET /rel/vt132-manifest.json", std::string("GET /rel/") + kPatchName});
    CHECK(rig.slot1() == rig.next);  // byte-identical to the release image
    CHECK(rig.board.boots() == "V1.1.0 app1");
    CHECK(rig.heap.stats().outstanding_bytes == 0);
  }

  TEST_CASE("installing by patch, one perform hands at most the applier's per-call bound to the slot") {
    DeltaRig rig;
    rig.net.responses = {ok_response(rig.manifest), ok_response(rig.patch)};
    REQUIRE(rig.update.begin(rig.config).ok());
    size_t most = 0;
    size_t performs = 0;
    OtaResult r;
    do {
      const size_t before = rig.update.bytes_read();
      r = rig.update.perform();
      ++performs;
      most = std::max(most, rig.update.bytes_read() - before);
    } while (r.error == UpdateError::InProgress);
    REQUIRE(r.ok());
    REQUIRE(rig.update.finish().ok());
    MESSAGE("patch ", rig.patch.size(), " B -> image ", rig.next.size(), " B in ", performs, " performs, at most ", most,
            " B each");
    // A patch far smaller than its image: without the bound, one 1 KiB read makes many KiB.
    CHECK(rig.patch.size() * 10 < rig.next.size());
    CHECK(most <= delta::PatchApplier::kMaxResultPerFeed);
    CHECK(patch_failures.empty());
    CHECK(rig.slot1() == rig.next);
    CHECK(rig.board.boots() == "V1.1.0 app1");
  }

  TEST_CASE("the whole update by patch stays within the 16 KiB heap budget") {
    DeltaRig rig;
    rig.net.responses = {ok_response(rig.manifest), ok_response(rig.patch)};
    rig.heap.reset_peak();
    REQUIRE(rig.install().ok());
    MESSAGE("update by patch: heap peak ", rig.heap.stats().peak_bytes, " B (work block ", OtaUpdate::kWorkBytes, " B)");
    CHECK(rig.heap.stats().peak_bytes <= 16 * 1024);
  }

  TEST_CASE("a patch for another base is not fetched: the full image is installed") {
    DeltaRig rig;
    const auto other = app_image("V0.9.0", 0, 200 * 1024);
    rig.net.responses = {ok_response(rig.manifest_for(other, rig.patch)), ok_response(rig.next)};
    REQUIRE(rig.install().ok());
    CHECK(patch_failures.empty());
    CHECK(rig.paths() == std::vector<std::string>{"GET /rel/vt132-manifest.json", "GET /rel/VT132.bin"});
    CHECK(rig.board.boots() == "V1.1.0 app1");
  }

  TEST_CASE("a corrupt patch falls back to the full image in the same update, and says why once") {
    DeltaRig rig;
    auto bad = rig.patch;
    bad[bad.size() / 2] ^= 0x40;
    // The manifest signs the damaged bytes, so only the applier can catch them.
    rig.net.responses = {ok_response(rig.manifest_for(rig.base, bad)), ok_response(bad), ok_response(rig.next)};
    REQUIRE(rig.install().ok());
    CHECK(patch_failures == std::vector<std::string>{"BAD PATCH"});
    CHECK(rig.paths() == std::vector<std::string>{"GET /rel/vt132-manifest.json", std::string("GET /rel/") + kPatchName,
                                                  "GET /rel/VT132.bin"});
    CHECK(rig.slot1() == rig.next);
    CHECK(rig.board.boots() == "V1.1.0 app1");
    CHECK(rig.heap.stats().outstanding_bytes == 0);
  }

  TEST_CASE("a patch whose bytes differ from the signed ones falls back to the full image") {
    DeltaRig rig;
    auto bad = rig.patch;
    bad.back() ^= 0x01;
    rig.net.responses = {ok_response(rig.manifest), ok_response(bad), ok_response(rig.next)};
    REQUIRE(rig.install().ok());
    REQUIRE(patch_failures.size() == 1);
    CHECK(rig.board.boots() == "V1.1.0 app1");
  }

  TEST_CASE("a patch that is not on the server falls back to the full image") {
    DeltaRig rig;
    rig.net.responses = {ok_response(rig.manifest), "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
                         ok_response(rig.next)};
    REQUIRE(rig.install().ok());
    CHECK(patch_failures == std::vector<std::string>{"HTTP 404"});
    CHECK(rig.board.boots() == "V1.1.0 app1");
  }

  TEST_CASE("the fallback happens once: a full image that then fails ends the update, the old image still boots") {
    DeltaRig rig;
    auto bad = rig.patch;
    bad[bad.size() / 2] ^= 0x40;
    rig.net.responses = {ok_response(rig.manifest_for(rig.base, bad)), ok_response(bad),
                         "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"};
    REQUIRE(rig.update.begin(rig.config).ok());
    int calls = 0;
    OtaResult r;
    do {
      r = rig.update.perform();
    } while (r.error == UpdateError::InProgress && ++calls < 100000);
    CHECK(r.error == UpdateError::Http);
    CHECK(r.http_status == 404);
    CHECK(patch_failures == std::vector<std::string>{"BAD PATCH"});
    CHECK(rig.update.abort().ok());
    CHECK(rig.heap.stats().outstanding_bytes == 0);
    CHECK(rig.board.boots() == "V1.0.0 app0");
  }

  TEST_CASE("a dropped patch download resumes with Range from the patch bytes received") {
    DeltaRig rig;
    const std::string whole = ok_response(rig.patch);
    const size_t head = whole.size() - rig.patch.size();
    const size_t cut = rig.patch.size() / 2;
    const std::string rest(rig.patch.begin() + static_cast<long>(cut), rig.patch.end());
    rig.net.responses = {ok_response(rig.manifest), whole.substr(0, head + cut),
                         "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + std::to_string(cut) + "-" +
                             std::to_string(rig.patch.size() - 1) + "/" + std::to_string(rig.patch.size()) +
                             "\r\nContent-Length: " + std::to_string(rest.size()) + "\r\n\r\n" + rest};
    REQUIRE(rig.update.begin(rig.config).ok());
    OtaResult r;
    do {
      r = rig.update.perform();
      if (r.error == UpdateError::InProgress) rig.clock.now += 50;
    } while (r.error == UpdateError::InProgress);
    REQUIRE(r.ok());
    REQUIRE(rig.update.finish().ok());
    CHECK(patch_failures.empty());
    CHECK(rig.net.requests.back().find("Range: bytes=" + std::to_string(cut) + "-\r\n") != std::string::npos);
    CHECK(rig.board.boots() == "V1.1.0 app1");
  }
}
