#include "vt132/core/delta/patch_format.hpp"

#include <cstring>

#include "vt132/core/bytes.hpp"

namespace vt132::core::delta {
namespace {

// Field offsets of the header (docs/delta.md).
constexpr size_t kVersionAt = 8;
constexpr size_t kFlagsAt = 9;        // 1 byte, must be 0
constexpr size_t kReservedAt = 10;    // 2 bytes, must be 0
constexpr size_t kBaseSizeAt = 12;
constexpr size_t kResultSizeAt = 16;
constexpr size_t kBodySizeAt = 20;
constexpr size_t kBodyCrcAt = 24;
constexpr size_t kBaseShaAt = 28;
constexpr size_t kResultShaAt = 60;
static_assert(kResultShaAt + 32 == kPatchHeaderSize, "header layout");

}  // namespace

const char* describe(PatchError error) {
  switch (error) {
    case PatchError::Ok: return "ok";
    case PatchError::BadMagic: return "not a VT132 delta patch";
    case PatchError::UnsupportedVersion: return "unsupported patch format version";
    case PatchError::BadHeader: return "patch header has reserved bits set or sizes out of bounds";
    case PatchError::BaseTooLarge: return "patch base is larger than the running slot";
    case PatchError::ResultTooLarge: return "patch result does not fit the target slot";
    case PatchError::BaseReadFailed: return "reading the base image failed";
    case PatchError::BaseMismatch: return "base image differs from the one the patch was made for";
    case PatchError::CorruptBody: return "patch body does not decode";
    case PatchError::BadInstruction: return "patch has a malformed instruction";
    case PatchError::BaseOutOfRange: return "patch instruction reads outside the base image";
    case PatchError::ResultOverrun: return "patch instruction writes past the result size";
    case PatchError::TrailingData: return "bytes after the end of the patch";
    case PatchError::Truncated: return "patch is truncated";
    case PatchError::BodyChecksum: return "patch body CRC-32 mismatch (damaged patch)";
    case PatchError::ResultSizeMismatch: return "patch made fewer bytes than its result size";
    case PatchError::ResultHashMismatch: return "result SHA-256 differs from the patch header's";
    case PatchError::SinkFailed: return "writing the result failed";
  }
  return "unknown patch error";
}

PatchError parse_patch_header(const uint8_t (&b)[kPatchHeaderSize], PatchHeader& out) {
  if (std::memcmp(b, kPatchMagic, sizeof kPatchMagic) != 0) return PatchError::BadMagic;
  if (b[kVersionAt] != kPatchFormatVersion) return PatchError::UnsupportedVersion;
  if (b[kFlagsAt] != 0 || load_le16(b + kReservedAt) != 0) return PatchError::BadHeader;
  PatchHeader h;
  h.base_size = load_le32(b + kBaseSizeAt);
  h.result_size = load_le32(b + kResultSizeAt);
  h.body_size = load_le32(b + kBodySizeAt);
  h.body_crc32 = load_le32(b + kBodyCrcAt);
  std::memcpy(h.base_sha256.data(), b + kBaseShaAt, 32);
  std::memcpy(h.result_sha256.data(), b + kResultShaAt, 32);
  if (h.base_size > kMaxPatchImageSize || h.result_size > kMaxPatchImageSize || h.body_size == 0 ||
      h.body_size > kMaxPatchBodySize) {
    return PatchError::BadHeader;
  }
  out = h;
  return PatchError::Ok;
}

void write_patch_header(const PatchHeader& h, uint8_t (&b)[kPatchHeaderSize]) {
  std::memset(b, 0, kPatchHeaderSize);
  std::memcpy(b, kPatchMagic, sizeof kPatchMagic);
  b[kVersionAt] = kPatchFormatVersion;
  store_le32(b + kBaseSizeAt, h.base_size);
  store_le32(b + kResultSizeAt, h.result_size);
  store_le32(b + kBodySizeAt, h.body_size);
  store_le32(b + kBodyCrcAt, h.body_crc32);
  std::memcpy(b + kBaseShaAt, h.base_sha256.data(), 32);
  std::memcpy(b + kResultShaAt, h.result_sha256.data(), 32);
}

}  // namespace vt132::core::delta
