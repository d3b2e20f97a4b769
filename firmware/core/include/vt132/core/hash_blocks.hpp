#pragma once
// The message handling MD5 and SHA-256 share: input cut into 64-byte blocks for the
// compression function, a running length, and the final padding (0x80, zeros, then the
// 64-bit bit length in the byte order the algorithm wants).
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace vt132::core {

class HashBlocks {
 public:
  static constexpr size_t kBlockSize = 64;

  void reset() {
    block_len_ = 0;
    total_len_ = 0;
  }

  // Calls compress(const uint8_t* block) for every full block of the input so far.
  template <typename Compress>
  void absorb(const uint8_t* data, size_t len, Compress&& compress) {
    if (len == 0) return;  // data may be null then, and memcpy must not see a null pointer
    total_len_ += len;
    if (block_len_ > 0) {
      const size_t take = len < kBlockSize - block_len_ ? len : kBlockSize - block_len_;
      std::memcpy(block_ + block_len_, data, take);
      block_len_ += take;
      data += take;
      len -= take;
      if (block_len_ < kBlockSize) return;
      compress(block_);
      block_len_ = 0;
    }
    for (; len >= kBlockSize; data += kBlockSize, len -= kBlockSize) compress(data);
    if (len > 0) {
      std::memcpy(block_, data, len);
      block_len_ = len;
    }
  }

  // Pads the message and compresses the last block(s); store_length(uint8_t* at, uint64_t
  // bits) writes the 8-byte length field.
  template <typename Compress, typename StoreLength>
  void finish(Compress&& compress, StoreLength&& store_length) {
    const uint64_t bit_len = total_len_ * 8;
    block_[block_len_++] = 0x80;
    if (block_len_ > kBlockSize - 8) {
      std::memset(block_ + block_len_, 0, kBlockSize - block_len_);
      compress(block_);
      block_len_ = 0;
    }
    std::memset(block_ + block_len_, 0, kBlockSize - 8 - block_len_);
    store_length(block_ + kBlockSize - 8, bit_len);
    compress(block_);
  }

 private:
  uint8_t block_[kBlockSize];
  size_t block_len_ = 0;
  uint64_t total_len_ = 0;
};

}  // namespace vt132::core
