#pragma once
// Streaming decoder of the patch body's compression (lz_model.hpp): takes compressed bytes in
// chunks of any size, and decodes a token only once enough input is staged that the token
// cannot run out of it. Decoded bytes land in the 2 KiB window, where the caller reads them.
#include <cstddef>
#include <cstdint>

#include "vt132/core/delta/lz_model.hpp"

namespace vt132::core::delta {

class LzDecoder {
 public:
  enum class Step { Bytes, NeedInput, End, Corrupt };

  void reset();
  // Stages up to `len` bytes; returns how many it took (less when the stage is full).
  size_t take(const uint8_t* data, size_t len);
  // No more input will come: the rest of the stage is decoded, reading past it is corruption.
  void end_of_input() { input_done_ = true; }
  // Decodes the next token. On Bytes, `count` new bytes are at the end of the window.
  Step next(uint32_t& count);
  // The i-th of the last `count` bytes (0 = oldest of them).
  uint8_t recent(uint32_t count, uint32_t i) const {
    return window_[(pos_ + kWindowSize - count + i) % kWindowSize];
  }
  // Compressed bytes the range decoder has read; equals the body size at a clean end.
  uint32_t consumed() const { return consumed_; }

  // The decoder side of the coder interface lz_model.hpp describes.
  uint32_t bit(uint16_t& prob, uint32_t);
  uint32_t direct(unsigned count, uint32_t);

 private:
  static constexpr size_t kStageSize = 2 * kMaxTokenInput;

  uint8_t next_byte();
  void normalize();
  bool start();

  LzModel model_;
  TokenContext ctx_;
  uint8_t window_[kWindowSize];
  uint8_t stage_[kStageSize];
  uint32_t stage_len_ = 0;
  uint32_t stage_pos_ = 0;
  uint32_t range_ = 0;
  uint32_t code_ = 0;
  uint32_t pos_ = 0;      // next write position in the window
  uint32_t filled_ = 0;   // window bytes written so far, saturating at kWindowSize
  uint32_t consumed_ = 0;
  bool started_ = false;
  bool input_done_ = false;
  bool overrun_ = false;  // a token read past the input: the body is corrupt
};

}  // namespace vt132::core::delta
