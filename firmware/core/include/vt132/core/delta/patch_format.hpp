#pragma once
// The VT132 delta patch format (docs/delta.md), the part encoder and applier share: the fixed
// header, the instruction opcodes and the error codes. A patch is
//   header (kPatchHeaderSize bytes, uncompressed)
//   body   (body_size bytes): the instruction stream, compressed with the small-window
//          compressor of lz_model.hpp
// The header names the exact base it applies to and the exact result it makes (size and
// SHA-256 of each), so a wrong base is refused before any output and a wrong result at the end.
#include <cstddef>
#include <cstdint>

#include "vt132/core/sha256.hpp"

namespace vt132::core::delta {

constexpr uint8_t kPatchMagic[8] = {'V', 'T', '1', '3', '2', 'D', 'L', 'T'};
constexpr uint8_t kPatchFormatVersion = 1;
constexpr size_t kPatchHeaderSize = 92;
// Bigger than any ESP32 app slot (16 MiB of flash in all); a header over it is refused.
constexpr uint32_t kMaxPatchImageSize = 16u << 20;
// The compressed body can exceed the result only by the coder's overhead on incompressible
// literals (under 1/8); twice the largest image is a generous bound that still stops garbage.
constexpr uint32_t kMaxPatchBodySize = 2 * kMaxPatchImageSize;

struct PatchHeader {
  uint32_t base_size = 0;
  uint32_t result_size = 0;
  uint32_t body_size = 0;
  uint32_t body_crc32 = 0;  // CRC-32 of the body bytes: a damaged patch is refused by name
  Sha256Digest base_sha256{};
  Sha256Digest result_sha256{};
};

// Instructions of the (decompressed) body; lengths and offsets are LEB128 varints of at most
// 32 bits, offsets zig-zag signed and relative to the end of the previous base read.
enum class Op : uint8_t {
  Copy = 1,     // len, offset: result += base[pos, pos+len)
  Add = 2,      // len, offset, len diff bytes: result += base[pos+i] + diff[i] (mod 256)
  Literal = 3,  // len, len bytes: result += bytes
};

enum class PatchError {
  Ok,
  BadMagic,            // not a VT132 delta patch
  UnsupportedVersion,  // a patch format this applier does not know
  BadHeader,           // reserved bits set or a size over the format's bounds
  BaseTooLarge,        // the header's base is larger than the running slot
  ResultTooLarge,      // the header's result does not fit the target slot
  BaseReadFailed,      // the base reader callback failed
  BaseMismatch,        // the base's SHA-256 is not the one the patch was made from
  CorruptBody,         // the compressed body does not decode (bad distance, overrun, no end)
  BadInstruction,      // unknown opcode, zero length, malformed varint
  BaseOutOfRange,      // an instruction reads outside [0, base_size)
  ResultOverrun,       // an instruction writes past result_size
  TrailingData,        // bytes after the body
  Truncated,           // finish() before the whole patch arrived
  BodyChecksum,        // the body's CRC-32 differs from the header's: a damaged patch
  ResultSizeMismatch,  // the instructions made fewer bytes than result_size
  ResultHashMismatch,  // the result's SHA-256 differs from the header's
  SinkFailed,          // the result writer callback failed
};

const char* describe(PatchError error);

// Reads a header; Ok, BadMagic, UnsupportedVersion or BadHeader.
PatchError parse_patch_header(const uint8_t (&bytes)[kPatchHeaderSize], PatchHeader& out);
void write_patch_header(const PatchHeader& header, uint8_t (&out)[kPatchHeaderSize]);

}  // namespace vt132::core::delta
