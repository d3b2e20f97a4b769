#pragma once
// CRC-32 as zlib and the ESP32 ROM compute it: polynomial 0x04C11DB7 in reflected form
// (0xEDB88320), register inverted on entry and on exit. otadata protects its sequence number
// with it.
#include <cstddef>
#include <cstdint>

namespace vt132::core {

// Continues a CRC over `len` more bytes. `crc` is a previous *result* (not the raw
// register), exactly like zlib's crc32(crc, data, len): start a fresh CRC with 0. Because
// the register is inverted on entry, a start value of 0xFFFFFFFF runs the bytes through a
// register of 0 - which is what ESP-IDF's otadata CRC does.
uint32_t crc32_update(uint32_t crc, const uint8_t* data, size_t len);

// The standard CRC-32 of a buffer (zlib.crc32(data)); crc32("123456789") == 0xCBF43926.
inline uint32_t crc32(const uint8_t* data, size_t len) { return crc32_update(0, data, len); }

}  // namespace vt132::core
