// The streaming release-JSON scanner on arbitrary bytes, split into arbitrary chunks: it
// must never read out of bounds, and what it reports must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "vt132/core/ota/release_scanner.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t chunk = 1 + data[0] % 64;  // the first byte picks the chunking
  const bool allow_prerelease = data[1] & 1;
  data += 2;
  size -= 2;
  vt132::core::ReleaseScanner scanner("VT132.bin", allow_prerelease);
  for (size_t i = 0; i < size; i += chunk) {
    const size_t n = size - i < chunk ? size - i : chunk;
    if (!scanner.feed(reinterpret_cast<const char*>(data + i), n)) break;
  }
  if (scanner.finish() == vt132::core::ScanError::Ok) {
    const auto& r = scanner.release();
    if (!r.image.found || strlen(r.image.url) > vt132::core::kMaxAssetUrl) abort();
    if (r.prerelease && !allow_prerelease) abort();
  }
  return 0;
}
