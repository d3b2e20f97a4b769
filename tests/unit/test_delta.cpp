// The delta patch format end to end: the host encoder (lib/) and the firmware core's streaming
// applier (core/delta/) on synthetic image pairs, damaged patches and hostile instructions.
#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "vt132/core/crc32.hpp"
#include "vt132/core/delta/patch_applier.hpp"
#include "vt132/host/delta_encoder.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/lz_encoder.hpp"
#include "vt132/host/patch_apply.hpp"

namespace delta = vt132::core::delta;
namespace host = vt132::host;
using Bytes = std::vector<uint8_t>;

namespace {

Bytes random_bytes(std::mt19937& rng, size_t n) {
  Bytes b(n);
  for (auto& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

// Code-like bytes: a skewed alphabet with 32-bit "pointers" into [0, n) every so often.
Bytes code_like(std::mt19937& rng, size_t n) {
  Bytes b(n);
  for (size_t i = 0; i + 4 <= n; i += 4) {
    if (rng() % 6 == 0) {
      const uint32_t p = 0x400d0000u + static_cast<uint32_t>(rng() % n);
      std::memcpy(&b[i], &p, 4);
    } else {
      for (size_t k = 0; k < 4; ++k) b[i + k] = static_cast<uint8_t>(rng() % 3 == 0 ? rng() : rng() % 16);
    }
  }
  return b;
}

// The base with inserted, removed and changed stretches, and every pointer after a cut moved.
Bytes edited(std::mt19937& rng, const Bytes& base, int edits) {
  Bytes out = base;
  for (int e = 0; e < edits && !out.empty(); ++e) {
    const size_t at = rng() % out.size();
    switch (rng() % 3) {
      case 0: {
        const Bytes ins = random_bytes(rng, 1 + rng() % 300);
        out.insert(out.begin() + static_cast<long>(at), ins.begin(), ins.end());
        break;
      }
      case 1: out.erase(out.begin() + static_cast<long>(at), out.begin() + static_cast<long>(std::min(out.size(), at + 1 + rng() % 300))); break;
      default:
        for (size_t i = at; i < out.size() && i < at + 20; ++i) out[i] ^= static_cast<uint8_t>(rng() | 1);
    }
  }
  for (size_t i = 0; i + 4 <= out.size(); i += 4) {
    uint32_t w;
    std::memcpy(&w, &out[i], 4);
    if (w >> 20 == 0x400) {
      w += 0x120;
      std::memcpy(&out[i], &w, 4);
    }
  }
  return out;
}

// Runs the core applier directly, fed `chunk` bytes at a time, and records every base read.
struct Run {
  const Bytes* base = nullptr;
  Bytes out;
  size_t sink_calls = 0;
  size_t base_reads = 0;
  size_t base_bytes_read = 0;
  size_t feed_calls = 0;
  size_t most_written_by_one_feed = 0;
  size_t most_base_read_by_one_feed = 0;
  bool base_read_out_of_range = false;
  delta::PatchError error = delta::PatchError::Ok;
};

bool read_base(void* ctx, uint32_t offset, uint8_t* buf, size_t len) {
  auto* r = static_cast<Run*>(ctx);
  if (offset > r->base->size() || len > r->base->size() - offset) {
    r->base_read_out_of_range = true;
    return false;
  }
  std::memcpy(buf, r->base->data() + offset, len);
  ++r->base_reads;
  r->base_bytes_read += len;
  return true;
}

bool write_result(void* ctx, const uint8_t* data, size_t len) {
  auto* r = static_cast<Run*>(ctx);
  r->out.insert(r->out.end(), data, data + len);
  ++r->sink_calls;
  return true;
}

Run run_patch(const Bytes& base, const Bytes& patch, size_t chunk = 1000, const delta::BaseIdentity* known = nullptr) {
  Run run;
  run.base = &base;
  delta::PatchIo io;
  io.read_base = read_base;
  io.write_result = write_result;
  io.ctx = &run;
  auto applier = std::make_unique<delta::PatchApplier>();
  applier->begin(io, static_cast<uint32_t>(base.size()), delta::kMaxPatchImageSize, known);
  // A call that stopped at its bound leaves input (or work) for the next one.
  for (size_t at = 0, taken = 0; (at < patch.size() || applier->busy()) && run.error == delta::PatchError::Ok;
       at += taken) {
    const size_t written = run.out.size();
    const size_t read = run.base_bytes_read;
    run.error = applier->feed(patch.data() + at, std::min(chunk, patch.size() - at), taken);
    ++run.feed_calls;
    run.most_written_by_one_feed = std::max(run.most_written_by_one_feed, run.out.size() - written);
    run.most_base_read_by_one_feed = std::max(run.most_base_read_by_one_feed, run.base_bytes_read - read);
  }
  if (run.error == delta::PatchError::Ok) run.error = applier->finish();
  CHECK(applier->result_written() <= applier->header().result_size);
  return run;
}

// A patch from a hand-written instruction stream, with a correct header around it.
Bytes patch_from_instructions(const Bytes& base, const Bytes& result, const Bytes& instructions) {
  const Bytes body = host::lz_compress(instructions);
  delta::PatchHeader h;
  h.base_size = static_cast<uint32_t>(base.size());
  h.result_size = static_cast<uint32_t>(result.size());
  h.body_size = static_cast<uint32_t>(body.size());
  h.body_crc32 = vt132::core::crc32(body.data(), body.size());
  h.base_sha256 = vt132::core::Sha256::of(base.data(), base.size());
  h.result_sha256 = vt132::core::Sha256::of(result.data(), result.size());
  uint8_t header[delta::kPatchHeaderSize];
  delta::write_patch_header(h, header);
  Bytes patch(header, header + sizeof header);
  patch.insert(patch.end(), body.begin(), body.end());
  return patch;
}

void fix_body_crc(Bytes& patch) {
  const uint32_t crc = vt132::core::crc32(patch.data() + delta::kPatchHeaderSize, patch.size() - delta::kPatchHeaderSize);
  for (int i = 0; i < 4; ++i) patch[24 + i] = static_cast<uint8_t>(crc >> (8 * i));
}

}  // namespace

TEST_SUITE("delta") {

TEST_CASE("patches round-trip on many synthetic pairs: empty, identical, unrelated, edited code") {
  std::mt19937 rng(12);
  std::vector<std::pair<Bytes, Bytes>> pairs = {
      {{}, {}},
      {{}, random_bytes(rng, 100)},
      {random_bytes(rng, 100), {}},
      {random_bytes(rng, 1), random_bytes(rng, 1)},
      {random_bytes(rng, 5000), random_bytes(rng, 5000)},  // totally different
  };
  const Bytes same = code_like(rng, 20000);
  pairs.emplace_back(same, same);
  pairs.emplace_back(Bytes(70000, 0), Bytes(80000, 0));
  for (int i = 0; i < 40; ++i) {
    const Bytes base = i % 2 ? code_like(rng, 1 + rng() % 60000) : random_bytes(rng, 1 + rng() % 60000);
    pairs.emplace_back(base, edited(rng, base, 1 + static_cast<int>(rng() % 12)));
  }
  for (const auto& [base, result] : pairs) {
    const Bytes patch = host::make_patch(base, result);
    const Run run = run_patch(base, patch);
    REQUIRE(run.error == delta::PatchError::Ok);
    CHECK(run.out == result);
    CHECK(host::apply_patch(base, patch) == result);
  }
}

TEST_CASE("a patch of an identical image is tiny and a shifted, pointer-adjusted one stays small") {
  std::mt19937 rng(7);
  const Bytes base = code_like(rng, 200000);
  CHECK(host::make_patch(base, base).size() < 200);
  host::PatchStats stats;
  const Bytes next = edited(rng, base, 6);
  const Bytes patch = host::make_patch(base, next, &stats);
  CHECK(stats.add_bytes > 100000);  // the moved code is taken from the base, not carried
  CHECK(patch.size() < next.size() / 10);
}

TEST_CASE("the applier fed one byte at a time makes the same result") {
  std::mt19937 rng(3);
  const Bytes base = code_like(rng, 30000);
  const Bytes result = edited(rng, base, 8);
  const Bytes patch = host::make_patch(base, result);
  const Run run = run_patch(base, patch, 1);
  REQUIRE(run.error == delta::PatchError::Ok);
  CHECK(run.out == result);
}

TEST_CASE("one feed writes at most kMaxResultPerFeed however much result one Copy or one long Add makes") {
  std::mt19937 rng(21);
  const Bytes base = code_like(rng, 256 * 1024);
  // 262144 as a varint: 0x80 0x80 0x10; offset 0.
  const Bytes copy_all = {1, 0x80, 0x80, 0x10, 0};
  // The same with a zero difference: decoded from a few long matches.
  Bytes add_all = {2, 0x80, 0x80, 0x10, 0};
  add_all.resize(add_all.size() + base.size(), 0);
  for (const Bytes& instructions : {copy_all, add_all}) {
    const Bytes patch = patch_from_instructions(base, base, instructions);
    // As on a device, which knows its running image: else the header's call hashes the base.
    delta::BaseIdentity known;
    known.size = static_cast<uint32_t>(base.size());
    known.sha256 = vt132::core::Sha256::of(base.data(), base.size());
    for (const size_t chunk : {patch.size(), size_t{1}}) {
      const Run run = run_patch(base, patch, chunk, &known);
      REQUIRE(run.error == delta::PatchError::Ok);
      CHECK(run.out == base);
      CHECK(run.most_written_by_one_feed <= delta::PatchApplier::kMaxResultPerFeed);
      // Base is read ahead by at most one chunk past what the result used.
      CHECK(run.most_base_read_by_one_feed <= delta::PatchApplier::kMaxResultPerFeed + delta::PatchApplier::kChunk);
      CHECK(run.feed_calls >= base.size() / delta::PatchApplier::kMaxResultPerFeed);
    }
  }
}

TEST_CASE("every single-byte corruption of a patch is refused") {
  std::mt19937 rng(5);
  const Bytes base = code_like(rng, 3000);
  const Bytes result = edited(rng, base, 3);
  const Bytes patch = host::make_patch(base, result);
  for (size_t i = 0; i < patch.size(); ++i) {
    for (const uint8_t flip : {0x01, 0x80, 0xFF}) {
      Bytes bad = patch;
      bad[i] ^= flip;
      const Run run = run_patch(base, bad, 7);
      CHECK_MESSAGE(run.error != delta::PatchError::Ok, "byte ", i, " ^ ", int(flip));
    }
  }
}

TEST_CASE("a damaged body whose CRC was recomputed never yields a wrong result: the result hash catches it") {
  std::mt19937 rng(6);
  const Bytes base = code_like(rng, 3000);
  const Bytes result = edited(rng, base, 3);
  const Bytes patch = host::make_patch(base, result);
  size_t refused = 0;
  for (size_t i = delta::kPatchHeaderSize; i < patch.size(); ++i) {
    Bytes bad = patch;
    bad[i] ^= 0x10;
    fix_body_crc(bad);
    const Run run = run_patch(base, bad, 13);
    if (run.error == delta::PatchError::Ok) {
      CHECK(run.out == result);  // an equivalent encoding of the same result, nothing else
    } else {
      ++refused;
    }
  }
  CHECK(refused > 0);
}

TEST_CASE("a patch for another base is refused from the header hash before any output") {
  std::mt19937 rng(8);
  const Bytes base = code_like(rng, 10000);
  const Bytes patch = host::make_patch(base, edited(rng, base, 4));
  Bytes other = base;
  other[5000] ^= 1;
  const Run run = run_patch(other, patch);
  CHECK(run.error == delta::PatchError::BaseMismatch);
  CHECK(run.sink_calls == 0);
  const Bytes shorter(base.begin(), base.end() - 1);
  CHECK(run_patch(shorter, patch).error == delta::PatchError::BaseTooLarge);
  CHECK_THROWS_WITH_AS(host::apply_patch(other, patch),
                       doctest::Contains("base image differs from the one the patch was made for"), host::Error);
}

TEST_CASE("a base identity the device already knows replaces the base read and still refuses another base") {
  std::mt19937 rng(10);
  const Bytes base = code_like(rng, 20000);
  const Bytes result = edited(rng, base, 3);
  const Bytes patch = host::make_patch(base, result);
  delta::BaseIdentity known;
  known.size = static_cast<uint32_t>(base.size());
  known.sha256 = vt132::core::Sha256::of(base.data(), base.size());
  const Run hashed = run_patch(base, patch);
  const Run trusted = run_patch(base, patch, 1000, &known);
  REQUIRE(trusted.error == delta::PatchError::Ok);
  CHECK(trusted.out == result);
  CHECK(trusted.base_reads < hashed.base_reads);  // no pass over the whole base first
  known.sha256[0] ^= 1;
  const Run other = run_patch(base, patch, 1000, &known);
  CHECK(other.error == delta::PatchError::BaseMismatch);
  CHECK(other.sink_calls == 0);
  known.sha256[0] ^= 1;
  known.size -= 1;
  CHECK(run_patch(base, patch, 1000, &known).error == delta::PatchError::BaseMismatch);
}

TEST_CASE("instructions that reach outside the base or past the result are refused") {
  const Bytes base = {1, 2, 3, 4, 5, 6, 7, 8};
  const Bytes result = {1, 2, 3, 4};
  struct Case {
    const char* what;
    Bytes instructions;
    delta::PatchError expected;
  };
  const Case cases[] = {
      {"copy past the base's end", {1, 4, 10}, delta::PatchError::BaseOutOfRange},
      {"copy before the base's start", {1, 4, 1}, delta::PatchError::BaseOutOfRange},
      {"add past the base's end", {2, 4, 16, 0, 0, 0, 0}, delta::PatchError::BaseOutOfRange},
      {"literal past the result size", {3, 5, 1, 2, 3, 4, 5}, delta::PatchError::ResultOverrun},
      {"copy past the result size", {1, 5, 0}, delta::PatchError::ResultOverrun},
      {"zero length", {3, 0}, delta::PatchError::BadInstruction},
      {"unknown opcode", {9, 1, 0}, delta::PatchError::BadInstruction},
      {"opcode zero", {0}, delta::PatchError::BadInstruction},
      {"varint over 32 bits", {3, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F}, delta::PatchError::BadInstruction},
      {"varint with a redundant zero group", {3, 0x84, 0x00}, delta::PatchError::BadInstruction},
      {"huge offset", {1, 1, 0xFE, 0xFF, 0xFF, 0xFF, 0x0F}, delta::PatchError::BaseOutOfRange},
      {"instruction cut off at the end", {1, 4}, delta::PatchError::CorruptBody},
      {"too few result bytes", {1, 3, 0}, delta::PatchError::ResultSizeMismatch},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    const Run run = run_patch(base, patch_from_instructions(base, result, c.instructions), 3);
    CHECK(run.error == c.expected);
    CHECK_FALSE(run.base_read_out_of_range);
  }
  CHECK(run_patch(base, patch_from_instructions(base, result, {1, 4, 0})).error == delta::PatchError::Ok);
}

TEST_CASE("a truncated patch, trailing bytes and a header over the bounds are refused by name") {
  std::mt19937 rng(9);
  const Bytes base = code_like(rng, 4000);
  const Bytes patch = host::make_patch(base, edited(rng, base, 2));
  CHECK(run_patch(base, Bytes(patch.begin(), patch.end() - 1)).error == delta::PatchError::Truncated);
  CHECK(run_patch(base, Bytes(patch.begin(), patch.begin() + 50)).error == delta::PatchError::Truncated);
  Bytes longer = patch;
  longer.push_back(0);
  CHECK(run_patch(base, longer).error == delta::PatchError::TrailingData);
  Bytes bad_version = patch;
  bad_version[8] = 2;
  CHECK(run_patch(base, bad_version).error == delta::PatchError::UnsupportedVersion);
  Bytes huge = patch;
  huge[19] = 0x7F;  // result size over 16 MiB
  CHECK(run_patch(base, huge).error == delta::PatchError::BadHeader);
  CHECK(run_patch(base, Bytes{}).error == delta::PatchError::Truncated);
}

TEST_CASE("the applier's whole state fits its documented 4 KiB budget") {
  MESSAGE("PatchApplier state: ", delta::kPatchApplierStateSize, " bytes");
  CHECK(delta::kPatchApplierStateSize <= 4096);
}

}  // TEST_SUITE
