#pragma once
// Applies a VT132 delta patch (docs/delta.md) as a stream, with no heap: the caller owns the
// PatchApplier (kPatchApplierStateSize bytes, nothing else is allocated) and gives it
//   read_base(offset, buf, len)  bytes of the base image (on the device: the running slot),
//   write_result(data, len)      the next bytes of the result (on the device: the slot writer).
// Lifecycle, like the OTA handle: begin() -> feed() any number of times with chunks of any
// size (1 byte works) -> finish(). The first error sticks: every later call returns it.
// One feed() does a bounded amount of work, so a caller's poll loop stays live however much
// result one instruction makes: it writes at most kMaxResultPerFeed result bytes and reads at
// most that plus one chunk of base (the one exception: without a known base, the call that
// completes the header hashes the whole base). When the bound stops it, it says how much input
// it took and busy() is true: the next feed() (with the rest, or with none) continues the work.
//
// Guarantees, whatever the patch bytes are:
//   - the base is read only inside [0, base_size), and base_size fits base_capacity;
//   - no byte is written before the base's SHA-256 matched the header's;
//   - at most result_size bytes are written, and result_size fits result_capacity;
//   - finish() returns Ok only if the body's CRC-32, the result size and the result's SHA-256
//     all equal the header's.
#include <cstddef>
#include <cstdint>

#include "vt132/core/delta/lz_decoder.hpp"
#include "vt132/core/delta/patch_format.hpp"
#include "vt132/core/sha256.hpp"

namespace vt132::core::delta {

struct PatchIo {
  bool (*read_base)(void* ctx, uint32_t offset, uint8_t* buf, size_t len) = nullptr;
  bool (*write_result)(void* ctx, const uint8_t* data, size_t len) = nullptr;
  void* ctx = nullptr;
};

// The base as its owner already knows it: a device hashes its running image to pick the patch,
// and hashing 1.1 MB of flash again inside one feed() would stall it.
struct BaseIdentity {
  uint32_t size = 0;
  Sha256Digest sha256{};
};

class PatchApplier {
 public:
  // base_capacity: bytes readable through read_base (the running slot's size);
  // result_capacity: the most the target can take (the inactive slot's size);
  // known_base: when given, the header's base size and SHA-256 must equal it; when not, the
  // applier hashes [0, base_size) through read_base as soon as the header is complete.
  // Either way nothing is written before the base is proven to be the patch's.
  void begin(const PatchIo& io, uint32_t base_capacity, uint32_t result_capacity,
             const BaseIdentity* known_base = nullptr);
  static constexpr size_t kChunk = 64;  // base reads and result writes go in chunks this big
  static constexpr size_t kMaxResultPerFeed = 4096;

  // Takes up to len bytes of the patch; `consumed` says how many. Fewer than len only when
  // busy() is then true.
  PatchError feed(const uint8_t* data, size_t len, size_t& consumed);
  // Work is pending that the next feed() continues before it takes any input: a Copy, or bytes
  // the decoder has made or can make from what it already took. finish() only once this is false.
  bool busy() const { return stalled_; }
  PatchError finish();

  bool header_ready() const { return header_done_; }
  const PatchHeader& header() const { return header_; }  // once header_ready()
  uint32_t result_written() const { return written_; }
  uint32_t patch_bytes_seen() const { return seen_; }

 private:
  // Copying: the current Copy's bytes are being made (length_ left); no patch byte is read
  // meanwhile.
  enum class Stage : uint8_t { Op, Length, Offset, Data, Copying };

  PatchError fail(PatchError e);
  PatchError take_header(const uint8_t*& data, size_t& len);
  PatchError check_base();
  PatchError take_body(const uint8_t*& data, size_t& len);
  PatchError run_decoder();
  PatchError on_byte(uint8_t b);
  PatchError on_varint(uint8_t b, uint32_t& value);
  PatchError start_instruction();
  PatchError copy_from_base();
  PatchError on_data(uint8_t b);
  PatchError base_byte(uint8_t& out);
  PatchError put(uint8_t b);
  PatchError flush();

  PatchIo io_;
  uint32_t base_capacity_ = 0;
  uint32_t result_capacity_ = 0;
  PatchError error_ = PatchError::Ok;
  BaseIdentity known_base_;
  bool base_known_ = false;
  PatchHeader header_;
  bool header_done_ = false;
  bool body_ended_ = false;
  bool stalled_ = false;        // the last feed() stopped at its bound, not for want of input
  uint32_t seen_ = 0;           // patch bytes fed
  uint32_t body_seen_ = 0;
  uint32_t body_crc_ = 0;
  uint32_t written_ = 0;        // result bytes passed to write_result
  uint32_t reserved_ = 0;       // result bytes the parsed instructions account for

  // The instruction being parsed.
  Stage stage_ = Stage::Op;
  Op op_ = Op::Copy;
  uint32_t varint_ = 0;
  unsigned varint_shift_ = 0;
  uint32_t length_ = 0;
  uint32_t remaining_ = 0;      // data bytes of an Add or Literal still to come
  uint32_t base_pos_ = 0;       // where the next base read starts

  // The bound of one feed(): result bytes this call may still make, and where it stopped.
  uint32_t budget_ = 0;
  uint32_t decoded_count_ = 0;  // the decoder's last Bytes step: its bytes at the window's end,
  uint32_t decoded_next_ = 0;   // and the first of them not yet taken by on_byte

  struct IoBuffers {
    uint8_t base_[kChunk];
    uint8_t out_[kChunk];
  };
  // The header bytes until it is complete; then the base and result chunks.
  union {
    uint8_t header_bytes_[kPatchHeaderSize];
    IoBuffers io_buf_;
  };
  uint32_t header_len_ = 0;
  uint32_t base_buf_at_ = 0;    // base offset of base_[0]
  uint32_t base_buf_len_ = 0;
  uint32_t out_len_ = 0;

  Sha256 result_hash_;
  LzDecoder lz_;
};

// The whole state of an applier: what a device reserves for it (docs/delta.md).
constexpr size_t kPatchApplierStateSize = sizeof(PatchApplier);
static_assert(kPatchApplierStateSize <= 4096, "the applier must fit its 4 KiB budget");

}  // namespace vt132::core::delta
