#include "vt132/core/crc32.hpp"

namespace vt132::core {
namespace {

constexpr uint32_t kReflectedPoly = 0xEDB88320u;

// A byte-at-a-time table (1 KiB of read-only data), computed at compile time from the
// polynomial so there is no hand-typed constant to get wrong. Bit-at-a-time would save
// the 1 KiB but costs 8x the time; otadata CRCs are tiny, but host tools may checksum
// whole images.
struct CrcTable {
  uint32_t v[256];
};

constexpr CrcTable make_table() {
  CrcTable t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) ? (c >> 1) ^ kReflectedPoly : c >> 1;
    t.v[i] = c;
  }
  return t;
}

constexpr CrcTable kTable = make_table();
static_assert(kTable.v[1] == 0x77073096u, "CRC table generation is wrong");

}  // namespace

uint32_t crc32_update(uint32_t crc, const uint8_t* data, size_t len) {
  uint32_t reg = ~crc;
  for (size_t i = 0; i < len; ++i) reg = kTable.v[(reg ^ data[i]) & 0xFFu] ^ (reg >> 8);
  return ~reg;
}

}  // namespace vt132::core
