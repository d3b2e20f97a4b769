// Fuzzes the device's delta patch applier: whatever the patch bytes, it must never read the
// base outside [0, base_size), never write more than result_size, and accept a patch only if
// what it wrote has the header's size and SHA-256.
// Input: one control byte, then the patch. Unless the control byte's low bit is set, the
// header's base size and SHA-256 are overwritten with the fixed base's, so that mutations
// reach the body (a real attacker knows the base too: it is the published previous release).
#include <cstdint>
#include <cstring>
#include <vector>

#include "vt132/core/delta/patch_applier.hpp"
#include "vt132/core/sha256.hpp"

namespace {

namespace delta = vt132::core::delta;

constexpr size_t kBaseSize = 4096;

// The same bytes tests/fuzz/seeds/fuzz_delta_patch/ were made against: i * 7 ^ i >> 5, with a
// zero stretch, so that Copy and Add both have something to find.
const std::vector<uint8_t>& fixed_base() {
  static const std::vector<uint8_t> base = [] {
    std::vector<uint8_t> b(kBaseSize);
    for (size_t i = 0; i < b.size(); ++i) b[i] = i >= 1024 && i < 1536 ? 0 : static_cast<uint8_t>(i * 7 ^ i >> 5);
    return b;
  }();
  return base;
}

struct Sink {
  const std::vector<uint8_t>* base;
  size_t written = 0;
  vt132::core::Sha256 hash;
};

bool read_base(void* ctx, uint32_t offset, uint8_t* buf, size_t len) {
  const auto* s = static_cast<Sink*>(ctx);
  if (offset > s->base->size() || len > s->base->size() - offset) __builtin_trap();
  std::memcpy(buf, s->base->data() + offset, len);
  return true;
}

bool write_result(void* ctx, const uint8_t* data, size_t len) {
  auto* s = static_cast<Sink*>(ctx);
  s->written += len;
  s->hash.update(data, len);
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t control = data[0];
  std::vector<uint8_t> patch(data + 1, data + size);
  const std::vector<uint8_t>& base = fixed_base();
  if (!(control & 1) && patch.size() >= delta::kPatchHeaderSize) {
    const uint32_t n = kBaseSize;
    for (int i = 0; i < 4; ++i) patch[12 + i] = static_cast<uint8_t>(n >> (8 * i));
    const auto digest = vt132::core::Sha256::of(base.data(), base.size());
    std::memcpy(patch.data() + 28, digest.data(), digest.size());
  }
  static delta::PatchApplier applier;  // as on a device: one preallocated state, reused
  Sink sink{&base, 0, {}};
  delta::PatchIo io;
  io.read_base = read_base;
  io.write_result = write_result;
  io.ctx = &sink;
  // The high bit: the caller vouches for the base (as a device that hashed its running image).
  delta::BaseIdentity known;
  known.size = kBaseSize;
  known.sha256 = vt132::core::Sha256::of(base.data(), base.size());
  applier.begin(io, kBaseSize, 1u << 20, (control & 0x80) ? &known : nullptr);
  const size_t chunk = 1 + (control >> 1 & 0x3F) % 61;
  delta::PatchError e = delta::PatchError::Ok;
  // Each call is bounded; the loop continues a call that stopped at its bound.
  for (size_t at = 0, taken = 0; (at < patch.size() || applier.busy()) && e == delta::PatchError::Ok; at += taken) {
    const size_t n = patch.size() - at < chunk ? patch.size() - at : chunk;
    const size_t before = sink.written;
    e = applier.feed(patch.data() + at, n, taken);
    if (sink.written - before > delta::PatchApplier::kMaxResultPerFeed) __builtin_trap();
  }
  if (e == delta::PatchError::Ok) e = applier.finish();
  if (applier.header_ready() && sink.written > applier.header().result_size) __builtin_trap();
  if (sink.written != applier.result_written()) __builtin_trap();
  if (e == delta::PatchError::Ok) {
    if (sink.written != applier.header().result_size) __builtin_trap();
    if (sink.hash.finish() != applier.header().result_sha256) __builtin_trap();
  }
  return 0;
}
