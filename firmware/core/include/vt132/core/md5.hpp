#pragma once
// Streaming MD5 (RFC 1321). Only for the partition table's integrity entry, which ESP-IDF
// defined with MD5; MD5 is broken as a security hash, so nothing else should use it.
#include <array>
#include <cstddef>
#include <cstdint>

#include "vt132/core/hash_blocks.hpp"

namespace vt132::core {

using Md5Digest = std::array<uint8_t, 16>;

class Md5 {
 public:
  Md5() { reset(); }
  void reset();
  void update(const uint8_t* data, size_t len);
  // Finishes the hash; the object must be reset() before it is used again.
  Md5Digest finish();

  static Md5Digest of(const uint8_t* data, size_t len);

 private:
  void compress(const uint8_t* block);

  uint32_t state_[4];
  HashBlocks blocks_;
};

// Lower-case hex of a digest into `out` (33 bytes: 32 digits and a NUL).
void md5_to_hex(const Md5Digest& digest, char out[33]);

}  // namespace vt132::core
