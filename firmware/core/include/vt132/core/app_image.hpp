#pragma once
// ESP32 app image: the format `idf.py build` writes and OTA downloads.
//
// ImageStream reads an image in chunks of any size, as a device does while downloading,
// and checks each field as soon as it has arrived; parse_image() is the same on a whole
// buffer. Nothing is buffered beyond the 256-byte app descriptor, and every length comes
// from the input only after it has been bounded.
#include <cstddef>
#include <cstdint>

#include "vt132/core/bytes.hpp"
#include "vt132/core/sha256.hpp"

namespace vt132::core {

constexpr uint8_t kImageMagic = 0xE9;
constexpr size_t kImageHeaderSize = 24;
constexpr size_t kSegmentHeaderSize = 8;
constexpr size_t kMaxSegments = 16;
constexpr uint8_t kChecksumSeed = 0xEF;
constexpr size_t kAppDescOffset = 0x20;  // image header + first segment header
constexpr size_t kAppDescSize = 256;
constexpr uint32_t kAppDescMagic = 0xABCD5432;
constexpr size_t kAppVersionFieldSize = 32;   // including the terminating NUL
constexpr uint32_t kMaxSegmentLength = 16u << 20;  // the ESP-IDF bootloader's own bound
constexpr uint16_t kChipEsp32 = 0x0000;

// Offsets of the fields we rewrite inside esp_app_desc_t.
constexpr size_t kAppDescSecureVersionOffset = 4;
constexpr size_t kAppDescVersionOffset = 16;

struct ImageHeader {
  uint8_t segment_count = 0;
  uint8_t spi_mode = 0;
  uint8_t spi_speed = 0;   // low nibble of byte 3
  uint8_t flash_size = 0;  // high nibble of byte 3
  uint32_t entry_addr = 0;
  uint8_t wp_pin = 0;
  uint16_t chip_id = 0;
  uint8_t min_chip_rev = 0;
  uint16_t min_chip_rev_full = 0;
  uint16_t max_chip_rev_full = 0;
  bool hash_appended = false;
};

struct SegmentInfo {
  uint32_t load_addr = 0;
  uint32_t length = 0;
  size_t data_offset = 0;  // where the segment's data starts in the file
};

// esp_app_desc_t; strings are copied NUL-terminated but otherwise as stored (untrusted:
// callers that print them must escape non-printable bytes).
struct AppDescriptor {
  uint32_t secure_version = 0;
  char version[33] = {};
  char project_name[33] = {};
  char time[17] = {};
  char date[17] = {};
  char idf_ver[33] = {};
  uint8_t app_elf_sha256[32] = {};
};

struct ImageInfo {
  ImageHeader header;
  SegmentInfo segments[kMaxSegments];
  size_t segment_count = 0;  // segments whose header has been read
  bool has_app_desc = false;
  AppDescriptor app;
  size_t checksum_offset = 0;
  uint8_t checksum_stored = 0;
  uint8_t checksum_computed = 0;
  Sha256Digest sha256_stored{};
  Sha256Digest sha256_computed{};
  // SHA-256 of every byte fed, trailing bytes included: what a release manifest names.
  // Set by finish() once the image was read to its end; computed in the same single pass.
  Sha256Digest file_sha256{};
  size_t image_size = 0;      // bytes up to and including the hash (or checksum)
  size_t trailing_bytes = 0;  // bytes after that (e.g. a signature sector)
};

enum class ImageError {
  Ok,
  // Structural: reading stops here.
  Truncated,
  BadMagic,
  NoSegments,
  TooManySegments,
  BadSegmentLength,
  SegmentOverrunsFile,
  TooLarge,
  // Integrity and policy: recorded, reading goes on so a report can show everything.
  WrongChip,
  NoAppendedHash,
  NoAppDescriptor,
  ChecksumMismatch,
  Sha256Mismatch,
  // Only from stamp_image: the requested values do not fit the descriptor.
  InvalidStamp,
};

// What the reader is expecting next; also says where a truncation happened.
enum class ImageStage { Header, SegmentHeader, SegmentData, Padding, Checksum, Hash, Done };

struct ImageProblem {
  ImageError error = ImageError::Ok;
  size_t offset = 0;      // file offset the problem was found at
  uint32_t segment = 0;   // segment index, where one is involved
  uint64_t value = 0;     // the offending value (length, chip id, magic, limit...)
  uint64_t expected = 0;  // what was expected instead, where that is one number
  size_t file_size = 0;   // bytes the input had when the problem was found
  ImageStage stage = ImageStage::Header;
};

struct ImagePolicy {
  size_t max_size = SIZE_MAX;      // e.g. the OTA partition size
  int expected_chip = -1;          // chip id, or -1 for any
  bool require_app_desc = true;    // false for bootloader images
  // Without the appended SHA-256 only the 8-bit checksum guards the bytes: OTA refuses that.
  bool require_hash = true;
};

class ImageStream {
 public:
  explicit ImageStream(const ImagePolicy& policy = ImagePolicy{});

  // Consumes the next chunk. Returns the first problem seen so far (Ok if none); after a
  // structural problem further input is ignored.
  ImageError feed(const uint8_t* data, size_t len);
  // Declares the end of input and returns the first problem of the whole image.
  ImageError finish();

  const ImageInfo& info() const { return info_; }
  const ImageProblem& problem() const { return problem_; }
  ImageStage stage() const { return stage_; }
  size_t bytes_seen() const { return pos_; }

 private:
  size_t consume(const uint8_t* data, size_t len);
  size_t take_pending(const uint8_t* data, size_t len, size_t want);
  void complete_step(const uint8_t* data, size_t n);
  void on_header();
  void on_segment_header();
  void on_segment_data(const uint8_t* data, size_t len);
  void on_segment_end();
  void on_checksum(uint8_t stored);
  void on_hash();
  void begin_padding();
  void capture_app_desc(const uint8_t* data, size_t len);
  void decode_app_desc();
  void report(ImageError error, size_t offset, uint32_t segment = 0, uint64_t value = 0,
              uint64_t expected = 0);
  bool fits(uint64_t end_offset);
  bool stopped() const;

  ImagePolicy policy_;
  ImageInfo info_;
  ImageProblem problem_;
  ImageStage stage_ = ImageStage::Header;
  Sha256 sha_;       // the image's own hash: everything up to and including the checksum
  Sha256 file_sha_;  // continues from sha_ over the appended hash and trailing bytes
  size_t pos_ = 0;
  size_t stage_left_ = 0;     // bytes left in the current segment data or padding
  uint32_t segment_ = 0;      // index of the segment being read
  uint8_t checksum_ = kChecksumSeed;
  uint8_t pending_[32];  // image header / segment header / hash being assembled
  size_t pending_len_ = 0;
  uint8_t desc_[kAppDescSize];
  size_t desc_len_ = 0;
};

// True for problems that stop the reader (the image could not be read to its end).
bool is_structural(ImageError error);

// Where the checksum byte goes for segments ending at `segments_end`: zero padding makes
// the length up to and including the checksum a multiple of 16.
inline size_t checksum_offset_after(size_t segments_end) {
  return ((segments_end + 1 + 15) & ~static_cast<size_t>(15)) - 1;
}

// The whole-buffer form of ImageStream.
ImageError parse_image(ByteView image, const ImagePolicy& policy, ImageInfo& info,
                       ImageProblem& problem);

// Recomputes the checksum byte and (when appended) the SHA-256 of an image in place, after
// its segment data was changed. Fails only if the image does not parse structurally.
ImageError finalize_image(uint8_t* image, size_t len, ImageProblem& problem);

// Writes version (at most 31 bytes) and, if non-negative, secure_version into the app
// descriptor, then finalizes the image. The caller checks the version string is a version.
ImageError stamp_image(uint8_t* image, size_t len, const char* version, int64_t secure_version,
                       ImageProblem& problem);
constexpr int64_t kKeepSecureVersion = -1;

// One-line, user-facing description of a problem, e.g.
// "segment 2 overruns file: 40000 bytes declared at offset 0x1a2c0, file ends at 0x1c000".
// Returns the length written (truncated to cap - 1).
size_t format_image_problem(const ImageProblem& problem, char* out, size_t cap);

const char* chip_name(uint16_t chip_id);          // "esp32", "esp32s3", ... or "unknown"
const char* known_chip_names();                   // "esp32, esp32s2, ..." for messages
bool chip_id_from_name(const char* name, uint16_t& chip_id);
const char* spi_mode_name(uint8_t mode);          // "QIO", "DIO", ... or "unknown"
const char* spi_speed_name(uint8_t speed);        // "40MHz", ... or "unknown"
const char* flash_size_name(uint8_t size);        // "4MB", ... or "unknown"

}  // namespace vt132::core
