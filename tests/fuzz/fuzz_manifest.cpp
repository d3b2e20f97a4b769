// Fuzzes the device's manifest reader: it must never read out of bounds, and whatever it
// accepts must satisfy the format's rules.
#include <cstdint>
#include <cstring>

#include "vt132/core/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  vt132::core::Manifest m;
  vt132::core::ManifestProblem problem;
  const auto err = vt132::core::parse_manifest(reinterpret_cast<const char*>(data), size, m, problem);
  char buf[160];
  vt132::core::format_manifest_problem(problem, buf, sizeof buf);
  if (err != vt132::core::ManifestError::Ok) {
    if (problem.offset > size) __builtin_trap();
    return 0;
  }
  if (size > vt132::core::kMaxManifestSize || m.schema != 1) __builtin_trap();
  if (std::strlen(m.version) > vt132::core::kMaxManifestString) __builtin_trap();
  if (std::strcmp(m.channel, "stable") != 0 && std::strcmp(m.channel, "beta") != 0) __builtin_trap();
  if (m.patch_count > vt132::core::kMaxManifestPatches) __builtin_trap();
  if (m.patch_count > 0 && m.delta != vt132::core::kManifestDeltaFormat) __builtin_trap();
  for (size_t i = 0; i < m.patch_count; ++i) {
    if (m.patches[i].size == 0 || std::strlen(m.patches[i].asset) > vt132::core::kMaxManifestString) __builtin_trap();
  }
  char ts[21];
  vt132::core::format_utc_timestamp(m.expires, ts);
  int64_t back = -1;
  if (!vt132::core::parse_utc_timestamp(ts, 20, back) || back != m.expires) __builtin_trap();
  return 0;
}
