#pragma once
// Streaming SHA-256 (FIPS 180-4). The core carries its own so the image checks run the
// same on every port; the ESP-IDF port may later swap in the hardware accelerator behind
// this same interface.
#include <array>
#include <cstddef>
#include <cstdint>

#include "vt132/core/hash_blocks.hpp"

namespace vt132::core {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
 public:
  Sha256() { reset(); }
  void reset();
  void update(const uint8_t* data, size_t len);
  // Finishes the hash; the object must be reset() before it is used again.
  Sha256Digest finish();

  static Sha256Digest of(const uint8_t* data, size_t len);

 private:
  void compress(const uint8_t* block);

  uint32_t state_[8];
  HashBlocks blocks_;
};

// Lower-case hex of a digest into `out` (65 bytes: 64 digits and a NUL).
void sha256_to_hex(const Sha256Digest& digest, char out[65]);

}  // namespace vt132::core
