#pragma once
// Little-endian load/store helpers. Every binary format we read (app image, partition
// table, otadata) is little-endian; reading byte by byte keeps us independent of the
// host's endianness and alignment rules.
#include <cstddef>
#include <cstdint>

namespace vt132::core {

inline uint16_t load_le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

inline uint32_t load_le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

inline void store_le16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
}

inline void store_le32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

// A read-only view of bytes; the core's stand-in for std::span (C++20).
struct ByteView {
  const uint8_t* data = nullptr;
  size_t size = 0;
};

}  // namespace vt132::core
