#include "vt132/core/app_image.hpp"

#include <cstdio>
#include <cstring>

namespace vt132::core {
bool is_structural(ImageError e) {
  return e != ImageError::Ok && e < ImageError::WrongChip;
}

namespace {

void copy_field(char* out, const uint8_t* field, size_t field_size) {
  size_t n = 0;
  while (n < field_size && field[n] != 0) ++n;
  std::memcpy(out, field, n);
  out[n] = '\0';
}

}  // namespace

ImageStream::ImageStream(const ImagePolicy& policy) : policy_(policy) {}

bool ImageStream::stopped() const { return is_structural(problem_.error); }

void ImageStream::report(ImageError error, size_t offset, uint32_t segment, uint64_t value,
                         uint64_t expected) {
  // Only the first problem is kept: it is the one a user has to fix first.
  if (problem_.error != ImageError::Ok) return;
  problem_.error = error;
  problem_.offset = offset;
  problem_.segment = segment;
  problem_.value = value;
  problem_.expected = expected;
  problem_.file_size = pos_;
  problem_.stage = stage_;
}

// Refuses, before the bytes arrive, an image whose declared layout ends past the limit.
bool ImageStream::fits(uint64_t end_offset) {
  if (end_offset <= policy_.max_size) return true;
  report(ImageError::TooLarge, pos_, segment_, end_offset, policy_.max_size);
  return false;
}

ImageError ImageStream::feed(const uint8_t* data, size_t len) {
  if (stopped()) return problem_.error;
  if (len > policy_.max_size - pos_) {
    // An endless body is cut at the limit instead of being read to the end.
    len = policy_.max_size - pos_;
    while (len > 0 && !stopped()) {
      const size_t n = consume(data, len);
      data += n;
      len -= n;
    }
    report(ImageError::TooLarge, pos_, segment_, pos_ + 1, policy_.max_size);
    return problem_.error;
  }
  while (len > 0 && !stopped()) {
    const size_t n = consume(data, len);
    data += n;
    len -= n;
  }
  return problem_.error;
}

size_t ImageStream::take_pending(const uint8_t* data, size_t len, size_t want) {
  const size_t n = len < want - pending_len_ ? len : want - pending_len_;
  std::memcpy(pending_ + pending_len_, data, n);
  pending_len_ += n;
  return n;
}

size_t ImageStream::consume(const uint8_t* data, size_t len) {
  size_t n = 0;
  switch (stage_) {
    case ImageStage::Header: n = take_pending(data, len, kImageHeaderSize); break;
    case ImageStage::SegmentHeader: n = take_pending(data, len, kSegmentHeaderSize); break;
    case ImageStage::SegmentData:
    case ImageStage::Padding: n = len < stage_left_ ? len : stage_left_; break;
    case ImageStage::Checksum: n = 1; break;
    case ImageStage::Hash: n = take_pending(data, len, sizeof info_.sha256_stored); break;
    case ImageStage::Done:
      info_.trailing_bytes += len;
      file_sha_.update(data, len);
      pos_ += len;
      return len;
  }
  // The appended hash covers everything before it, the checksum byte included.
  if (stage_ == ImageStage::Hash) {
    file_sha_.update(data, n);
  } else {
    sha_.update(data, n);
  }
  pos_ += n;
  complete_step(data, n);
  return n;
}

void ImageStream::complete_step(const uint8_t* data, size_t n) {
  switch (stage_) {
    case ImageStage::Header:
      if (pending_len_ == kImageHeaderSize) on_header();
      break;
    case ImageStage::SegmentHeader:
      if (pending_len_ == kSegmentHeaderSize) on_segment_header();
      break;
    case ImageStage::SegmentData:
      on_segment_data(data, n);
      stage_left_ -= n;
      if (stage_left_ == 0) on_segment_end();
      break;
    case ImageStage::Padding:
      stage_left_ -= n;
      if (stage_left_ == 0) stage_ = ImageStage::Checksum;
      break;
    case ImageStage::Checksum: on_checksum(data[0]); break;
    case ImageStage::Hash:
      if (pending_len_ == sizeof info_.sha256_stored) on_hash();
      break;
    case ImageStage::Done: break;
  }
}

void ImageStream::on_header() {
  const uint8_t* h = pending_;
  pending_len_ = 0;
  if (h[0] != kImageMagic) {
    report(ImageError::BadMagic, 0, 0, h[0], kImageMagic);
    return;
  }
  ImageHeader& hdr = info_.header;
  hdr.segment_count = h[1];
  hdr.spi_mode = h[2];
  hdr.spi_speed = h[3] & 0x0F;
  hdr.flash_size = h[3] >> 4;
  hdr.entry_addr = load_le32(h + 4);
  hdr.wp_pin = h[8];
  hdr.chip_id = load_le16(h + 12);
  hdr.min_chip_rev = h[14];
  hdr.min_chip_rev_full = load_le16(h + 15);
  hdr.max_chip_rev_full = load_le16(h + 17);
  // Any non-zero value means appended, as the bootloader reads it; treating 2 as "no hash"
  // would let stamping leave a stale hash behind.
  hdr.hash_appended = h[23] != 0;
  if (hdr.segment_count == 0) return report(ImageError::NoSegments, 1);
  if (hdr.segment_count > kMaxSegments) {
    return report(ImageError::TooManySegments, 1, 0, hdr.segment_count, kMaxSegments);
  }
  // Checked now so a device can stop before downloading an image for another chip.
  if (policy_.expected_chip >= 0 && hdr.chip_id != policy_.expected_chip) {
    report(ImageError::WrongChip, 12, 0, hdr.chip_id, static_cast<uint64_t>(policy_.expected_chip));
  }
  if (policy_.require_hash && !hdr.hash_appended) report(ImageError::NoAppendedHash, 23, 0, h[23], 1);
  stage_ = ImageStage::SegmentHeader;
}

void ImageStream::on_segment_header() {
  pending_len_ = 0;
  SegmentInfo& seg = info_.segments[segment_];
  seg.load_addr = load_le32(pending_);
  seg.length = load_le32(pending_ + 4);
  seg.data_offset = pos_;
  info_.segment_count = segment_ + 1;
  if (seg.length % 4 != 0 || seg.length >= kMaxSegmentLength) {
    return report(ImageError::BadSegmentLength, pos_ - kSegmentHeaderSize, segment_, seg.length);
  }
  // Smallest possible end of the image: this segment's data plus the checksum byte.
  if (!fits(static_cast<uint64_t>(pos_) + seg.length + 1)) return;
  stage_ = ImageStage::SegmentData;
  stage_left_ = seg.length;
  if (stage_left_ == 0) on_segment_end();
}

void ImageStream::on_segment_data(const uint8_t* data, size_t len) {
  for (size_t i = 0; i < len; ++i) checksum_ ^= data[i];
  if (segment_ == 0) capture_app_desc(data, len);
}

void ImageStream::capture_app_desc(const uint8_t* data, size_t len) {
  if (desc_len_ == kAppDescSize) return;
  const size_t n = len < kAppDescSize - desc_len_ ? len : kAppDescSize - desc_len_;
  std::memcpy(desc_ + desc_len_, data, n);
  desc_len_ += n;
  // Decoded as soon as it is whole: a device reads a version from the first 288 bytes of an
  // image instead of its whole first segment.
  if (desc_len_ == kAppDescSize) decode_app_desc();
}

void ImageStream::decode_app_desc() {
  const uint32_t magic = desc_len_ >= 4 ? load_le32(desc_) : 0;
  if (desc_len_ < kAppDescSize || magic != kAppDescMagic) {
    if (policy_.require_app_desc) {
      // `expected` says which: the descriptor's size when the segment is too short for it.
      if (desc_len_ < kAppDescSize) {
        report(ImageError::NoAppDescriptor, kAppDescOffset, 0, desc_len_, kAppDescSize);
      } else {
        report(ImageError::NoAppDescriptor, kAppDescOffset, 0, magic, kAppDescMagic);
      }
    }
    return;
  }
  AppDescriptor& app = info_.app;
  app.secure_version = load_le32(desc_ + kAppDescSecureVersionOffset);
  copy_field(app.version, desc_ + kAppDescVersionOffset, 32);
  copy_field(app.project_name, desc_ + 48, 32);
  copy_field(app.time, desc_ + 80, 16);
  copy_field(app.date, desc_ + 96, 16);
  copy_field(app.idf_ver, desc_ + 112, 32);
  std::memcpy(app.app_elf_sha256, desc_ + 144, 32);
  info_.has_app_desc = true;
}

void ImageStream::on_segment_end() {
  if (segment_ == 0 && desc_len_ < kAppDescSize) decode_app_desc();  // too short: says so
  ++segment_;
  if (segment_ == info_.header.segment_count) {
    begin_padding();
  } else {
    stage_ = ImageStage::SegmentHeader;
  }
}

void ImageStream::begin_padding() {
  // Zero padding makes the length including the checksum byte a multiple of 16.
  info_.checksum_offset = checksum_offset_after(pos_);
  const size_t hash_len = info_.header.hash_appended ? sizeof info_.sha256_stored : 0;
  if (!fits(static_cast<uint64_t>(info_.checksum_offset) + 1 + hash_len)) return;
  stage_left_ = info_.checksum_offset - pos_;
  stage_ = stage_left_ > 0 ? ImageStage::Padding : ImageStage::Checksum;
}

void ImageStream::on_checksum(uint8_t stored) {
  info_.checksum_stored = stored;
  info_.checksum_computed = checksum_;
  file_sha_ = sha_;  // a copy of the state: the file hash goes on from here without a second pass
  info_.sha256_computed = sha_.finish();
  if (stored != checksum_) {
    report(ImageError::ChecksumMismatch, info_.checksum_offset, 0, stored, checksum_);
  }
  if (info_.header.hash_appended) {
    stage_ = ImageStage::Hash;
  } else {
    stage_ = ImageStage::Done;
    info_.image_size = pos_;
  }
}

void ImageStream::on_hash() {
  std::memcpy(info_.sha256_stored.data(), pending_, sizeof info_.sha256_stored);
  pending_len_ = 0;
  if (info_.sha256_stored != info_.sha256_computed) {
    report(ImageError::Sha256Mismatch, info_.checksum_offset + 1);
  }
  stage_ = ImageStage::Done;
  info_.image_size = pos_;
}

ImageError ImageStream::finish() {
  if (stage_ == ImageStage::Done && !stopped()) info_.file_sha256 = file_sha_.finish();
  if (stopped() || stage_ == ImageStage::Done) return problem_.error;
  // A short file outranks an earlier integrity problem: it is the real story.
  problem_ = ImageProblem{};
  if (stage_ == ImageStage::SegmentData) {
    const SegmentInfo& seg = info_.segments[segment_];
    report(ImageError::SegmentOverrunsFile, seg.data_offset, segment_, seg.length);
  } else {
    report(ImageError::Truncated, pos_);
  }
  return problem_.error;
}

ImageError parse_image(ByteView image, const ImagePolicy& policy, ImageInfo& info,
                       ImageProblem& problem) {
  ImageStream stream(policy);
  stream.feed(image.data, image.size);
  const ImageError result = stream.finish();
  info = stream.info();
  problem = stream.problem();
  return result;
}

ImageError finalize_image(uint8_t* image, size_t len, ImageProblem& problem) {
  ImagePolicy any;
  any.require_app_desc = false;
  any.require_hash = false;
  ImageStream stream(any);
  stream.feed(image, len);
  stream.finish();
  problem = stream.problem();
  if (is_structural(problem.error)) return problem.error;
  problem = ImageProblem{};
  const ImageInfo& info = stream.info();
  image[info.checksum_offset] = info.checksum_computed;
  if (info.header.hash_appended) {
    const Sha256Digest digest = Sha256::of(image, info.checksum_offset + 1);
    std::memcpy(image + info.checksum_offset + 1, digest.data(), digest.size());
  }
  return ImageError::Ok;
}

ImageError stamp_image(uint8_t* image, size_t len, const char* version, int64_t secure_version,
                       ImageProblem& problem) {
  ImageInfo info;
  ImagePolicy policy;
  policy.require_hash = false;
  // A damaged input is refused, not re-hashed: stamping must never launder corruption.
  if (parse_image(ByteView{image, len}, policy, info, problem) != ImageError::Ok) {
    return problem.error;
  }
  const size_t version_len = std::strlen(version);
  if (version_len == 0 || version_len >= kAppVersionFieldSize) {
    problem.error = ImageError::InvalidStamp;
    problem.offset = kAppDescOffset + kAppDescVersionOffset;
    problem.value = version_len;
    problem.expected = kAppVersionFieldSize - 1;
    return problem.error;
  }
  if (secure_version < kKeepSecureVersion || secure_version > 0xFFFFFFFFll) {
    problem.error = ImageError::InvalidStamp;
    problem.offset = kAppDescOffset + kAppDescSecureVersionOffset;
    problem.value = static_cast<uint64_t>(secure_version);
    problem.expected = 0xFFFFFFFFu;
    return problem.error;
  }
  uint8_t* desc = image + kAppDescOffset;
  std::memset(desc + kAppDescVersionOffset, 0, kAppVersionFieldSize);
  std::memcpy(desc + kAppDescVersionOffset, version, version_len);
  if (secure_version != kKeepSecureVersion) {
    store_le32(desc + kAppDescSecureVersionOffset, static_cast<uint32_t>(secure_version));
  }
  return finalize_image(image, len, problem);
}

namespace {

const char* stage_text(ImageStage stage) {
  switch (stage) {
    case ImageStage::Header: return "in the image header";
    case ImageStage::SegmentHeader: return "in a segment header";
    case ImageStage::SegmentData: return "in segment data";
    case ImageStage::Padding:
    case ImageStage::Checksum: return "before the checksum byte";
    case ImageStage::Hash: return "in the appended SHA-256";
    case ImageStage::Done: return "after the image";
  }
  return "";
}

}  // namespace

size_t format_image_problem(const ImageProblem& p, char* out, size_t cap) {
  if (cap == 0) return 0;
  int n = 0;
  const auto off = static_cast<unsigned long>(p.offset);
  const auto val = static_cast<unsigned long long>(p.value);
  const auto exp = static_cast<unsigned long long>(p.expected);
  switch (p.error) {
    case ImageError::Ok: n = std::snprintf(out, cap, "ok"); break;
    case ImageError::Truncated:
      n = std::snprintf(out, cap, "truncated at offset %lu (%s)", off, stage_text(p.stage));
      break;
    case ImageError::BadMagic:
      n = std::snprintf(out, cap, "bad magic 0x%02llx at offset 0 (an app image starts with 0x%02llx)",
                        val, exp);
      break;
    case ImageError::NoSegments: n = std::snprintf(out, cap, "image header declares no segments"); break;
    case ImageError::TooManySegments:
      n = std::snprintf(out, cap, "image header declares %llu segments (at most %llu)", val, exp);
      break;
    case ImageError::BadSegmentLength:
      n = std::snprintf(out, cap,
                        "segment %u at offset %lu has invalid length %llu "
                        "(must be a multiple of 4 and below 16 MiB)",
                        static_cast<unsigned>(p.segment), off, val);
      break;
    case ImageError::SegmentOverrunsFile:
      n = std::snprintf(out, cap,
                        "segment %u overruns file: %llu bytes declared at offset %lu, file ends at %lu",
                        static_cast<unsigned>(p.segment), val, off, static_cast<unsigned long>(p.file_size));
      break;
    case ImageError::TooLarge:
      n = std::snprintf(out, cap, "too large for the partition: needs at least %llu bytes, limit %llu",
                        val, exp);
      break;
    case ImageError::WrongChip:
      n = std::snprintf(out, cap, "wrong chip: image is for %s (chip id %llu), expected %s", chip_name(static_cast<uint16_t>(val)),
                        val, chip_name(static_cast<uint16_t>(exp)));
      break;
    case ImageError::NoAppendedHash:
      n = std::snprintf(out, cap, "no appended SHA-256: header byte 23 is %llu (expected %llu)", val, exp);
      break;
    case ImageError::NoAppDescriptor:
      if (p.expected == kAppDescSize) {
        n = std::snprintf(out, cap, "no app descriptor: the first segment has %llu bytes, fewer than its %llu",
                          val, exp);
        break;
      }
      n = std::snprintf(out, cap,
                        "no app descriptor: magic 0x%08llx at offset 0x%lx (expected 0x%08llx)", val,
                        off, exp);
      break;
    case ImageError::ChecksumMismatch:
      n = std::snprintf(out, cap, "checksum mismatch at offset %lu: stored 0x%02llx, computed 0x%02llx",
                        off, val, exp);
      break;
    case ImageError::Sha256Mismatch:
      n = std::snprintf(out, cap, "SHA-256 mismatch: the hash stored at offset %lu does not match the image",
                        off);
      break;
    case ImageError::InvalidStamp:
      n = std::snprintf(out, cap, "value does not fit the app descriptor field at offset 0x%lx (%llu, at most %llu)",
                        off, val, exp);
      break;
  }
  if (n < 0) n = 0;
  return static_cast<size_t>(n) < cap ? static_cast<size_t>(n) : cap - 1;
}

namespace {

struct ChipName {
  uint16_t id;
  const char* name;
};
constexpr ChipName kChips[] = {{0x0000, "esp32"},   {0x0002, "esp32s2"}, {0x0005, "esp32c3"},
                               {0x0009, "esp32s3"}, {0x000C, "esp32c2"}, {0x000D, "esp32c6"},
                               {0x0010, "esp32h2"}};

}  // namespace

const char* chip_name(uint16_t chip_id) {
  for (const ChipName& c : kChips) {
    if (c.id == chip_id) return c.name;
  }
  return "unknown";
}

const char* known_chip_names() { return "esp32, esp32s2, esp32c3, esp32s3, esp32c2, esp32c6, esp32h2"; }

bool chip_id_from_name(const char* name, uint16_t& chip_id) {
  for (const ChipName& c : kChips) {
    if (std::strcmp(c.name, name) == 0) {
      chip_id = c.id;
      return true;
    }
  }
  return false;
}

const char* spi_mode_name(uint8_t mode) {
  static constexpr const char* kModes[] = {"QIO", "QOUT", "DIO", "DOUT", "FAST_READ", "SLOW_READ"};
  return mode < sizeof kModes / sizeof kModes[0] ? kModes[mode] : "unknown";
}

const char* spi_speed_name(uint8_t speed) {
  switch (speed) {
    case 0x0: return "40MHz";
    case 0x1: return "26MHz";
    case 0x2: return "20MHz";
    case 0xF: return "80MHz";
    default: return "unknown";
  }
}

const char* flash_size_name(uint8_t size) {
  static constexpr const char* kSizes[] = {"1MB", "2MB", "4MB", "8MB", "16MB", "32MB", "64MB", "128MB"};
  return size < sizeof kSizes / sizeof kSizes[0] ? kSizes[size] : "unknown";
}

}  // namespace vt132::core
