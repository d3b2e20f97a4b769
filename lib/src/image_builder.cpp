#include "vt132/host/image_builder.hpp"

#include <cstring>
#include <stdexcept>

#include "vt132/core/app_image.hpp"
#include "vt132/core/bytes.hpp"

namespace vt132::host {
namespace core = vt132::core;

std::vector<SegmentSpec> ImageSpec::vt132_like_segments(uint32_t total_bytes) {
  // Shares of a real ~1.1 MB build: DROM, DRAM, IRAM, IROM, IRAM, RTC.
  struct Share {
    uint32_t addr;
    uint32_t permille;
  };
  static constexpr Share kShares[] = {{0x3f400020, 200}, {0x3ffbdb60, 15},  {0x40080000, 1},
                                      {0x400d0020, 700}, {0x40080400, 83},  {0x50000000, 1}};
  std::vector<SegmentSpec> out;
  for (const Share& s : kShares) {
    uint32_t len = static_cast<uint32_t>(uint64_t{total_bytes} * s.permille / 1000) & ~3u;
    if (out.empty() && len < core::kAppDescSize) len = core::kAppDescSize;
    out.push_back({s.addr, len < 4 ? 4 : len});
  }
  return out;
}

namespace {

void put_string(uint8_t* field, size_t field_size, const std::string& value, const char* what) {
  if (value.size() >= field_size) {
    throw std::invalid_argument(std::string(what) + " \"" + value + "\" is longer than " +
                                std::to_string(field_size - 1) + " bytes");
  }
  std::memcpy(field, value.data(), value.size());
}

void write_header(std::vector<uint8_t>& out, const ImageSpec& spec) {
  uint8_t h[core::kImageHeaderSize] = {};
  h[0] = core::kImageMagic;
  h[1] = static_cast<uint8_t>(spec.segments.size());
  h[2] = spec.spi_mode;
  h[3] = static_cast<uint8_t>((spec.flash_size << 4) | (spec.spi_speed & 0x0F));
  core::store_le32(h + 4, spec.entry_addr);
  h[8] = 0xEE;  // WP pin disabled
  core::store_le16(h + 12, spec.chip_id);
  core::store_le16(h + 17, 0xFFFF);  // no max chip revision
  h[23] = spec.hash_appended ? 1 : 0;
  out.insert(out.end(), h, h + sizeof h);
}

void write_app_desc(uint8_t* desc, const ImageSpec& spec) {
  core::store_le32(desc, core::kAppDescMagic);
  core::store_le32(desc + core::kAppDescSecureVersionOffset, spec.secure_version);
  put_string(desc + core::kAppDescVersionOffset, 32, spec.version, "version");
  put_string(desc + 48, 32, spec.project_name, "project name");
  put_string(desc + 80, 16, spec.build_time, "build time");
  put_string(desc + 96, 16, spec.build_date, "build date");
  put_string(desc + 112, 32, spec.idf_ver, "IDF version");
  for (int i = 0; i < 32; ++i) desc[144 + i] = static_cast<uint8_t>(spec.seed * 31 + i);
}

void fill_pseudo_random(uint8_t* data, size_t len, uint32_t& state) {
  for (size_t i = 0; i < len; ++i) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    data[i] = static_cast<uint8_t>(state);
  }
}

void validate(const ImageSpec& spec) {
  if (spec.segments.empty() || spec.segments.size() > core::kMaxSegments) {
    throw std::invalid_argument("an image has 1 to 16 segments");
  }
  for (const SegmentSpec& s : spec.segments) {
    if (s.length % 4 != 0) throw std::invalid_argument("segment lengths are multiples of 4");
  }
  if (spec.with_app_desc && spec.segments[0].length < core::kAppDescSize) {
    throw std::invalid_argument("the first segment must hold the 256-byte app descriptor");
  }
}

}  // namespace

std::vector<uint8_t> build_image(const ImageSpec& spec) {
  validate(spec);
  std::vector<uint8_t> out;
  write_header(out, spec);
  uint32_t state = spec.seed ? spec.seed : 0x9E3779B9u;
  for (size_t i = 0; i < spec.segments.size(); ++i) {
    const SegmentSpec& seg = spec.segments[i];
    uint8_t sh[core::kSegmentHeaderSize];
    core::store_le32(sh, seg.load_addr);
    core::store_le32(sh + 4, seg.length);
    out.insert(out.end(), sh, sh + sizeof sh);
    const size_t at = out.size();
    out.resize(at + seg.length);
    fill_pseudo_random(out.data() + at, seg.length, state);
    if (i == 0 && spec.with_app_desc) {
      std::memset(out.data() + at, 0, core::kAppDescSize);
      write_app_desc(out.data() + at, spec);
    }
  }
  // Zero padding, the checksum byte and the hash; finalize_image fills in the last two.
  const size_t checksum_offset = core::checksum_offset_after(out.size());
  out.resize(checksum_offset + 1 + (spec.hash_appended ? 32 : 0), 0);
  core::ImageProblem problem;
  if (core::finalize_image(out.data(), out.size(), problem) != core::ImageError::Ok) {
    throw std::logic_error("image builder produced an image that does not parse");
  }
  return out;
}

}  // namespace vt132::host
