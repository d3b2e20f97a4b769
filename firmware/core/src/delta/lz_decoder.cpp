#include "vt132/core/delta/lz_decoder.hpp"

#include <cstring>

namespace vt132::core::delta {

void LzDecoder::reset() {
  model_.reset();
  ctx_ = TokenContext{};
  stage_len_ = stage_pos_ = 0;
  range_ = code_ = 0;
  pos_ = filled_ = consumed_ = 0;
  started_ = input_done_ = overrun_ = false;
}

size_t LzDecoder::take(const uint8_t* data, size_t len) {
  if (stage_pos_ > 0) {
    std::memmove(stage_, stage_ + stage_pos_, stage_len_ - stage_pos_);
    stage_len_ -= stage_pos_;
    stage_pos_ = 0;
  }
  const size_t room = kStageSize - stage_len_;
  const size_t n = len < room ? len : room;
  if (n > 0) std::memcpy(stage_ + stage_len_, data, n);
  stage_len_ += static_cast<uint32_t>(n);
  return n;
}

uint8_t LzDecoder::next_byte() {
  if (stage_pos_ == stage_len_) {
    overrun_ = true;
    return 0;
  }
  ++consumed_;
  return stage_[stage_pos_++];
}

void LzDecoder::normalize() {
  if (range_ < kRangeTop) {
    range_ <<= 8;
    code_ = code_ << 8 | next_byte();
  }
}

uint32_t LzDecoder::bit(uint16_t& prob, uint32_t) {
  normalize();
  const uint32_t bound = (range_ >> kProbBits) * prob;
  uint32_t b;
  if (code_ < bound) {
    range_ = bound;
    b = 0;
  } else {
    range_ -= bound;
    code_ -= bound;
    b = 1;
  }
  adapt(prob, b);
  return b;
}

uint32_t LzDecoder::direct(unsigned count, uint32_t) {
  uint32_t value = 0;
  while (count-- > 0) {
    normalize();
    range_ >>= 1;
    uint32_t b = 0;
    if (code_ >= range_) {
      code_ -= range_;
      b = 1;
    }
    value = value << 1 | b;
  }
  return value;
}

// The encoder's first byte is always 0 (its carry never reaches it); the next four prime the
// code register.
bool LzDecoder::start() {
  if (next_byte() != 0) return false;
  range_ = 0xFFFFFFFFu;
  for (size_t i = 1; i < kRangeInitBytes; ++i) code_ = code_ << 8 | next_byte();
  started_ = true;
  return !overrun_;
}

LzDecoder::Step LzDecoder::next(uint32_t& count) {
  const uint32_t staged = stage_len_ - stage_pos_;
  const size_t needed = started_ ? kMaxTokenInput : kRangeInitBytes + kMaxTokenInput;
  if (!input_done_ && staged < needed) return Step::NeedInput;
  if (input_done_ && staged == 0 && !started_) return Step::Corrupt;
  if (!started_ && !start()) return Step::Corrupt;
  Token t;
  t.distance = 1;
  code_token(*this, model_, ctx_, t);
  if (overrun_ || t.kind == TokenKind::Invalid) return Step::Corrupt;
  if (t.kind == TokenKind::End) return Step::End;
  if (t.kind == TokenKind::Literal) {
    window_[pos_] = t.byte;
    pos_ = (pos_ + 1) % kWindowSize;
    count = 1;
  } else if (t.kind == TokenKind::ZeroRun) {
    for (uint32_t i = 0; i < t.length; ++i) {
      window_[pos_] = 0;
      pos_ = (pos_ + 1) % kWindowSize;
    }
    count = t.length;
  } else {
    if (t.distance > filled_) return Step::Corrupt;
    for (uint32_t i = 0; i < t.length; ++i) {
      window_[pos_] = window_[(pos_ + kWindowSize - t.distance) % kWindowSize];
      pos_ = (pos_ + 1) % kWindowSize;
    }
    count = t.length;
  }
  filled_ = filled_ + count < kWindowSize ? filled_ + count : kWindowSize;
  ctx_.prev_zero = window_[(pos_ + kWindowSize - 1) % kWindowSize] == 0;
  return Step::Bytes;
}

}  // namespace vt132::core::delta
