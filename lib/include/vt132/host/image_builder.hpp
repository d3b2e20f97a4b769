#pragma once
// Builds synthetic ESP32 app images: valid by construction, with any segment layout and any
// app descriptor. Tests, fuzz seeds, benchmarks and the demo use it; nothing is downloaded.
// The bytes are pseudo-random (seeded), so an image is reproducible but not runnable code;
// with `code_like` they are shaped like a real build's (instructions with literal pools of
// pointers, strings, pointer tables), and build_next_release() makes the release after one
// the way a rebuild changes an image, for delta patch tests and benchmarks.
#include <cstdint>
#include <string>
#include <vector>

namespace vt132::host {

struct SegmentSpec {
  uint32_t load_addr;
  uint32_t length;  // a multiple of 4
};

struct ImageSpec {
  std::string version = "V1.0.0";
  std::string project_name = "VT132";
  uint32_t secure_version = 0;
  std::string idf_ver = "v4.0.1";
  std::string build_time = "12:00:00";
  std::string build_date = "Jan  1 2026";
  uint16_t chip_id = 0;         // ESP32
  uint8_t spi_mode = 2;         // DIO
  uint8_t spi_speed = 0xF;      // 80 MHz
  uint8_t flash_size = 2;       // 4 MB
  uint32_t entry_addr = 0x400811ac;
  bool hash_appended = true;
  bool with_app_desc = true;    // false makes a bootloader-like image
  uint32_t seed = 1;            // content of the segment bytes
  bool code_like = false;       // real-build-like bytes instead of uniform random ones
  std::vector<SegmentSpec> segments = vt132_like_segments(64 * 1024);

  // Six segments laid out as in a real VT132 build, sized to about total_bytes in all.
  static std::vector<SegmentSpec> vt132_like_segments(uint32_t total_bytes);
};

// Throws std::invalid_argument for a spec no valid image can have (e.g. a first segment
// too short for the app descriptor, a field too long).
std::vector<uint8_t> build_image(const ImageSpec& spec);

// What changes from one release to the next (all of it deterministic from `seed`).
struct NextReleaseSpec {
  std::string version = "V1.0.1";  // the new app descriptor version
  uint32_t seed = 1;
  uint32_t edits = 24;              // code inserted or removed at this many places in all
  uint32_t growth = 4096;           // extra bytes of new code in the largest segment
  uint32_t string_edits = 6;        // strings whose text changes
};

// The next release of `image`: code inserted and removed inside segments so that later code
// moves, every 32-bit word that points into a moved part adjusted to its new address, some
// strings and the version (and build time) changed, the largest segment grown by `growth`.
// The result is a valid image with a fresh checksum and SHA-256. Throws std::invalid_argument
// when `image` is not a valid app image.
std::vector<uint8_t> build_next_release(const std::vector<uint8_t>& image, const NextReleaseSpec& spec);

}  // namespace vt132::host
