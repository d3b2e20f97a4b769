#include "vt132/core/delta/patch_applier.hpp"

#include <cstring>

#include "vt132/core/crc32.hpp"

namespace vt132::core::delta {

void PatchApplier::begin(const PatchIo& io, uint32_t base_capacity, uint32_t result_capacity,
                         const BaseIdentity* known_base) {
  io_ = io;
  base_known_ = known_base != nullptr;
  known_base_ = known_base ? *known_base : BaseIdentity{};
  base_capacity_ = base_capacity;
  result_capacity_ = result_capacity;
  error_ = PatchError::Ok;
  header_ = PatchHeader{};
  header_done_ = body_ended_ = false;
  seen_ = body_seen_ = body_crc_ = written_ = reserved_ = 0;
  stage_ = Stage::Op;
  varint_ = length_ = remaining_ = base_pos_ = 0;
  varint_shift_ = 0;
  budget_ = 0;
  stalled_ = false;
  decoded_count_ = decoded_next_ = 0;
  header_len_ = base_buf_at_ = base_buf_len_ = out_len_ = 0;
  result_hash_.reset();
  lz_.reset();
}

PatchError PatchApplier::fail(PatchError e) {
  if (error_ == PatchError::Ok) error_ = e;
  return error_;
}

PatchError PatchApplier::feed(const uint8_t* data, size_t len, size_t& consumed) {
  consumed = 0;
  if (error_ != PatchError::Ok) return error_;
  // Result bytes still buffered from an earlier call may be written in this one: they count.
  budget_ = static_cast<uint32_t>(kMaxResultPerFeed) - out_len_;
  if (stalled_) {
    const PatchError e = run_decoder();
    if (e != PatchError::Ok) return fail(e);
  }
  const size_t offered = len;
  PatchError e = PatchError::Ok;
  while (e == PatchError::Ok && len > 0 && !stalled_) {
    e = header_done_ ? take_body(data, len) : take_header(data, len);
  }
  consumed = offered - len;
  seen_ += static_cast<uint32_t>(consumed);
  return e == PatchError::Ok ? e : fail(e);
}

PatchError PatchApplier::take_header(const uint8_t*& data, size_t& len) {
  const size_t want = kPatchHeaderSize - header_len_;
  const size_t n = len < want ? len : want;
  std::memcpy(header_bytes_ + header_len_, data, n);
  header_len_ += static_cast<uint32_t>(n);
  data += n;
  len -= n;
  if (header_len_ < kPatchHeaderSize) return PatchError::Ok;
  const PatchError e = parse_patch_header(header_bytes_, header_);
  if (e != PatchError::Ok) return e;
  if (header_.base_size > base_capacity_) return PatchError::BaseTooLarge;
  if (header_.result_size > result_capacity_) return PatchError::ResultTooLarge;
  header_done_ = true;
  return check_base();
}

// The whole base is hashed before the first result byte: a patch for another base must not
// write anything.
PatchError PatchApplier::check_base() {
  if (base_known_) {
    const bool same = known_base_.size == header_.base_size && known_base_.sha256 == header_.base_sha256;
    return same ? PatchError::Ok : PatchError::BaseMismatch;
  }
  Sha256 hash;
  for (uint32_t at = 0; at < header_.base_size; at += kChunk) {
    const uint32_t n = header_.base_size - at < kChunk ? header_.base_size - at : kChunk;
    if (!io_.read_base(io_.ctx, at, io_buf_.base_, n)) return PatchError::BaseReadFailed;
    hash.update(io_buf_.base_, n);
  }
  if (hash.finish() != header_.base_sha256) return PatchError::BaseMismatch;
  return PatchError::Ok;
}

PatchError PatchApplier::take_body(const uint8_t*& data, size_t& len) {
  if (body_seen_ == header_.body_size) return PatchError::TrailingData;
  const size_t left = header_.body_size - body_seen_;
  const size_t n = lz_.take(data, len < left ? len : left);
  body_crc_ = crc32_update(body_crc_, data, n);
  body_seen_ += static_cast<uint32_t>(n);
  data += n;
  len -= n;
  if (body_seen_ == header_.body_size) lz_.end_of_input();
  return run_decoder();
}

// Runs until the decoder needs input or the body ends, or stops (stalled_) where this call's
// bound is spent: in a Copy, or between two decoded bytes. The next call continues right there;
// the decoder is not stepped before all bytes of its last step are taken, so they stay in its
// window.
PatchError PatchApplier::run_decoder() {
  stalled_ = true;
  for (;;) {
    if (stage_ == Stage::Copying) {
      const PatchError e = copy_from_base();
      if (e != PatchError::Ok || stage_ == Stage::Copying) return e;
    }
    while (decoded_next_ < decoded_count_) {
      if (budget_ == 0) return PatchError::Ok;
      const PatchError e = on_byte(lz_.recent(decoded_count_, decoded_next_++));
      if (e != PatchError::Ok) return e;
      if (stage_ == Stage::Copying) break;
    }
    if (stage_ == Stage::Copying) continue;
    if (body_ended_) break;
    uint32_t count = 0;
    const LzDecoder::Step step = lz_.next(count);
    if (step == LzDecoder::Step::NeedInput) break;
    if (step == LzDecoder::Step::Corrupt) return PatchError::CorruptBody;
    if (step == LzDecoder::Step::End) {
      body_ended_ = true;
      // The instructions must end with the body, and the body with its last coded byte.
      if (stage_ != Stage::Op || lz_.consumed() != header_.body_size) return PatchError::CorruptBody;
      // The last partial chunk goes out now, within this call's bound, not in finish().
      const PatchError e = flush();
      if (e != PatchError::Ok) return e;
      break;
    }
    decoded_count_ = count;
    decoded_next_ = 0;
  }
  stalled_ = false;
  return PatchError::Ok;
}

PatchError PatchApplier::on_byte(uint8_t b) {
  switch (stage_) {
    case Stage::Op:
      if (b < static_cast<uint8_t>(Op::Copy) || b > static_cast<uint8_t>(Op::Literal)) {
        return PatchError::BadInstruction;
      }
      op_ = static_cast<Op>(b);
      stage_ = Stage::Length;
      return PatchError::Ok;
    case Stage::Length: {
      const PatchError e = on_varint(b, length_);
      if (e != PatchError::Ok || varint_shift_ != 0) return e;
      if (length_ == 0) return PatchError::BadInstruction;
      if (length_ > header_.result_size - reserved_) return PatchError::ResultOverrun;
      reserved_ += length_;
      if (op_ == Op::Literal) {
        remaining_ = length_;
        stage_ = Stage::Data;
        return PatchError::Ok;
      }
      stage_ = Stage::Offset;
      return PatchError::Ok;
    }
    case Stage::Offset: {
      uint32_t zigzag = 0;
      const PatchError e = on_varint(b, zigzag);
      if (e != PatchError::Ok || varint_shift_ != 0) return e;
      // Zig-zag: 0, -1, 1, -2, ... ; the arithmetic is done in 64 bits so it cannot wrap.
      const int64_t delta = (zigzag & 1u) ? -static_cast<int64_t>(zigzag >> 1) - 1 : static_cast<int64_t>(zigzag >> 1);
      const int64_t start = static_cast<int64_t>(base_pos_) + delta;
      if (start < 0 || start + length_ > header_.base_size) return PatchError::BaseOutOfRange;
      base_pos_ = static_cast<uint32_t>(start);
      return start_instruction();
    }
    case Stage::Data:
      return on_data(b);
    case Stage::Copying:
      break;  // run_decoder finishes a Copy before it hands on another byte
  }
  return PatchError::BadInstruction;
}

// LEB128, at most 32 bits, shortest form only. `varint_shift_` is 0 again once a value is done.
PatchError PatchApplier::on_varint(uint8_t b, uint32_t& value) {
  if (varint_shift_ == 0) varint_ = 0;
  const uint32_t bits = b & 0x7Fu;
  if (varint_shift_ == 28 && (b & 0x80u || bits > 0x0Fu)) return PatchError::BadInstruction;
  if (varint_shift_ > 0 && b == 0) return PatchError::BadInstruction;  // a redundant zero group
  varint_ |= bits << varint_shift_;
  if (b & 0x80u) {
    varint_shift_ += 7;
    return PatchError::Ok;
  }
  varint_shift_ = 0;
  value = varint_;
  return PatchError::Ok;
}

PatchError PatchApplier::start_instruction() {
  if (op_ == Op::Copy) {
    stage_ = Stage::Copying;  // run_decoder makes its bytes, as far as the bound allows
    return PatchError::Ok;
  }
  remaining_ = length_;
  stage_ = Stage::Data;
  return PatchError::Ok;
}

// base_byte counts length_ down.
PatchError PatchApplier::copy_from_base() {
  while (length_ > 0 && budget_ > 0) {
    uint8_t b = 0;
    const PatchError e = base_byte(b);
    if (e != PatchError::Ok) return e;
    const PatchError p = put(b);
    if (p != PatchError::Ok) return p;
  }
  if (length_ == 0) stage_ = Stage::Op;
  return PatchError::Ok;
}

PatchError PatchApplier::on_data(uint8_t b) {
  uint8_t out = b;
  if (op_ == Op::Add) {
    uint8_t base = 0;
    const PatchError e = base_byte(base);
    if (e != PatchError::Ok) return e;
    out = static_cast<uint8_t>(base + b);
  }
  if (--remaining_ == 0) stage_ = Stage::Op;
  return put(out);
}

// Reads ahead at most to the end of the current instruction's base range, which the Offset
// stage checked against base_size.
PatchError PatchApplier::base_byte(uint8_t& out) {
  if (base_pos_ < base_buf_at_ || base_pos_ >= base_buf_at_ + base_buf_len_) {
    const uint32_t left = op_ == Op::Copy ? length_ : remaining_;
    const uint32_t end = base_pos_ + left;  // <= base_size, checked when the offset was read
    base_buf_len_ = end - base_pos_ < kChunk ? end - base_pos_ : kChunk;
    base_buf_at_ = base_pos_;
    if (!io_.read_base(io_.ctx, base_buf_at_, io_buf_.base_, base_buf_len_)) return PatchError::BaseReadFailed;
  }
  out = io_buf_.base_[base_pos_ - base_buf_at_];
  ++base_pos_;
  if (op_ == Op::Copy) --length_;
  return PatchError::Ok;
}

PatchError PatchApplier::put(uint8_t b) {
  --budget_;
  io_buf_.out_[out_len_++] = b;
  return out_len_ == kChunk ? flush() : PatchError::Ok;
}

PatchError PatchApplier::flush() {
  if (out_len_ == 0) return PatchError::Ok;
  result_hash_.update(io_buf_.out_, out_len_);
  if (!io_.write_result(io_.ctx, io_buf_.out_, out_len_)) return PatchError::SinkFailed;
  written_ += out_len_;
  out_len_ = 0;
  return PatchError::Ok;
}

PatchError PatchApplier::finish() {
  if (error_ != PatchError::Ok) return error_;
  if (!header_done_ || body_seen_ < header_.body_size || stalled_) return fail(PatchError::Truncated);
  if (body_crc_ != header_.body_crc32) return fail(PatchError::BodyChecksum);
  if (!body_ended_) return fail(PatchError::CorruptBody);
  const PatchError e = flush();
  if (e != PatchError::Ok) return fail(e);
  if (written_ != header_.result_size) return fail(PatchError::ResultSizeMismatch);
  if (result_hash_.finish() != header_.result_sha256) return fail(PatchError::ResultHashMismatch);
  return PatchError::Ok;
}

}  // namespace vt132::core::delta
