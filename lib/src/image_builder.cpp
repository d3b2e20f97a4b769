#include "vt132/host/image_builder.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <utility>

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

uint32_t xorshift(uint32_t& state) {
  state ^= state << 13;
  state ^= state >> 17;
  state ^= state << 5;
  return state;
}

void fill_pseudo_random(uint8_t* data, size_t len, uint32_t& state) {
  for (size_t i = 0; i < len; ++i) data[i] = static_cast<uint8_t>(xorshift(state));
}

bool is_code_address(uint32_t addr) { return addr >> 24 == 0x40; }

// Bytes shaped like a real ESP32 build: code is a skewed mix of 2- and 3-byte instructions with
// literal pools of addresses; data is strings, pointer tables, small-number tables and zeros.
// The addresses point into `targets` (the image's segments), which is what moves when code
// is inserted: the part of a release-to-release difference that bsdiff-style patches are for.
class ContentGenerator {
 public:
  ContentGenerator(uint32_t seed, std::vector<SegmentSpec> targets)
      : state_(seed ? seed : 0x9E3779B9u), targets_(std::move(targets)) {}

  void fill(uint8_t* data, size_t len, uint32_t load_addr) {
    if (is_code_address(load_addr)) {
      code(data, len);
    } else {
      tables(data, len);
    }
  }

  uint32_t next() { return xorshift(state_); }

 private:
  static constexpr size_t kIdioms = 64;
  struct Idiom {
    uint8_t bytes[24];
    size_t len;
  };

  // A 2- or 3-byte instruction-like pattern: a skewed opcode byte and small operands.
  static size_t instruction(uint32_t r, uint8_t (&bytes)[3]) {
    static constexpr uint8_t kOps[16] = {0x06, 0x0c, 0x1c, 0x20, 0x21, 0x22, 0x30, 0x31,
                                         0x41, 0x81, 0x91, 0xa2, 0xc0, 0xe5, 0xf0, 0x0d};
    bytes[0] = kOps[r >> 4 & 15];
    bytes[1] = static_cast<uint8_t>(r >> 8 & 0x3f);
    bytes[2] = static_cast<uint8_t>((r >> 16 & 1) ? r >> 20 : 0);
    return (r & 7) == 0 ? 2 : 3;
  }

  // The same idioms in every image, as the same compiler makes the same sequences.
  static const std::vector<Idiom>& idioms() {
    static const std::vector<Idiom> table = [] {
      std::vector<Idiom> t(kIdioms);
      uint32_t state = 0x1D10Au;
      for (Idiom& idiom : t) {
        idiom.len = 0;
        const size_t count = 2 + xorshift(state) % 6;
        for (size_t i = 0; i < count; ++i) {
          uint8_t bytes[3];
          const size_t n = instruction(xorshift(state), bytes);
          for (size_t k = 0; k < n; ++k) idiom.bytes[idiom.len++] = bytes[k];
        }
      }
      return t;
    }();
    return table;
  }

  uint32_t pointer() {
    const SegmentSpec& t = targets_[next() % targets_.size()];
    return t.load_addr + (t.length >= 4 ? (next() % (t.length / 4)) * 4 : 0);
  }

  void put_word(uint8_t* data, size_t len, size_t& p, uint32_t word) {
    for (int k = 0; k < 4 && p < len; ++k) data[p++] = static_cast<uint8_t>(word >> (8 * k));
  }

  // Compiled code repeats itself: prologues, epilogues, call sequences. One step in ten is one
  // of a fixed set of such idioms, which brings `xz -9` of an image to 56 %, near the 54 % real
  // VT132 builds compress to (the instructions alone give 70 %).
  void code(uint8_t* data, size_t len) {
    size_t p = 0;
    while (p < len) {
      if (p % 4 == 0 && next() % 24 == 0) {
        for (uint32_t n = 1 + next() % 4; n > 0; --n) put_word(data, len, p, pointer());
        continue;
      }
      if (next() % 10 == 0) {
        const Idiom& idiom = idioms()[next() % kIdioms];
        for (size_t k = 0; k < idiom.len && p < len; ++k) data[p++] = idiom.bytes[k];
        continue;
      }
      uint8_t bytes[3];
      const size_t size = instruction(next(), bytes);
      for (size_t k = 0; k < size && p < len; ++k) data[p++] = bytes[k];
    }
  }

  void text(uint8_t* data, size_t len, size_t& p) {
    static const char* const kWords[] = {"VT132", "terminal", "cursor", "escape", "error", "Wi-Fi", "update",
                                         "modem", "baud", "font", "line", "screen", "%d", "OK", "connect",
                                         "setup", "bell", "keyboard", "RC2014", "flash", "%s", "tab", "scroll"};
    const uint32_t words = 1 + next() % 6;
    for (uint32_t w = 0; w < words && p < len; ++w) {
      const char* word = kWords[next() % (sizeof kWords / sizeof kWords[0])];
      for (size_t k = 0; word[k] != '\0' && p < len; ++k) data[p++] = static_cast<uint8_t>(word[k]);
      if (p < len) data[p++] = w + 1 < words ? ' ' : 0;
    }
    while (p % 4 != 0 && p < len) data[p++] = 0;
  }

  void tables(uint8_t* data, size_t len) {
    size_t p = 0;
    while (p < len) {
      const uint32_t kind = next() % 8;
      if (kind < 3) {
        text(data, len, p);
      } else if (kind < 5) {
        for (uint32_t n = 2 + next() % 10; n > 0 && p < len; --n) put_word(data, len, p, pointer());
      } else if (kind == 5) {
        for (uint32_t n = 4 + next() % 60; n > 0 && p < len; --n) data[p++] = 0;
      } else {
        for (uint32_t n = 8 + next() % 56; n > 0 && p < len; --n) data[p++] = static_cast<uint8_t>(next() % 40);
      }
    }
  }

  uint32_t state_;
  std::vector<SegmentSpec> targets_;
};

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

// Zero padding, the checksum byte and the hash after the last segment; finalize_image fills in
// the last two.
void finish_image(std::vector<uint8_t>& out, bool hash_appended) {
  const size_t checksum_offset = core::checksum_offset_after(out.size());
  out.resize(checksum_offset + 1 + (hash_appended ? 32 : 0), 0);
  core::ImageProblem problem;
  if (core::finalize_image(out.data(), out.size(), problem) != core::ImageError::Ok) {
    throw std::logic_error("image builder produced an image that does not parse");
  }
}

}  // namespace

std::vector<uint8_t> build_image(const ImageSpec& spec) {
  validate(spec);
  std::vector<uint8_t> out;
  write_header(out, spec);
  uint32_t state = spec.seed ? spec.seed : 0x9E3779B9u;
  ContentGenerator content(spec.seed, spec.segments);
  for (size_t i = 0; i < spec.segments.size(); ++i) {
    const SegmentSpec& seg = spec.segments[i];
    uint8_t sh[core::kSegmentHeaderSize];
    core::store_le32(sh, seg.load_addr);
    core::store_le32(sh + 4, seg.length);
    out.insert(out.end(), sh, sh + sizeof sh);
    const size_t at = out.size();
    out.resize(at + seg.length);
    if (spec.code_like) {
      content.fill(out.data() + at, seg.length, seg.load_addr);
    } else {
      fill_pseudo_random(out.data() + at, seg.length, state);
    }
    if (i == 0 && spec.with_app_desc) {
      std::memset(out.data() + at, 0, core::kAppDescSize);
      write_app_desc(out.data() + at, spec);
    }
  }
  finish_image(out, spec.hash_appended);
  return out;
}

namespace {

// One change inside a segment: `removed` old bytes at `at` replaced by `inserted` new ones.
struct Edit {
  uint32_t at = 0;
  uint32_t removed = 0;
  uint32_t inserted = 0;
};

// An old segment, the edits made to it, and where its kept bytes land.
class SegmentChange {
 public:
  SegmentChange(const core::SegmentInfo& seg, std::vector<Edit> edits) : seg_(seg), edits_(std::move(edits)) {
    std::sort(edits_.begin(), edits_.end(), [](const Edit& a, const Edit& b) { return a.at < b.at; });
    uint32_t old_at = 0;
    uint32_t new_at = 0;
    std::vector<Edit> applied;
    for (const Edit& e : edits_) {
      if (e.at < old_at) continue;  // inside an earlier removal
      pieces_.push_back({old_at, new_at, e.at - old_at});
      new_at += e.at - old_at + e.inserted;
      old_at = e.at + e.removed;
      applied.push_back(e);
    }
    pieces_.push_back({old_at, new_at, seg_.length - old_at});
    new_length_ = new_at + seg_.length - old_at;
    edits_ = std::move(applied);
  }

  uint32_t load_addr() const { return seg_.load_addr; }
  uint32_t new_length() const { return new_length_; }
  bool contains(uint32_t addr) const { return addr >= seg_.load_addr && addr - seg_.load_addr < seg_.length; }

  // Where an old address of this segment is in the new release; an address inside removed
  // code goes to what follows the removal.
  uint32_t moved(uint32_t addr) const {
    const uint32_t off = addr - seg_.load_addr;
    for (const Piece& p : pieces_) {
      if (off < p.old_at + p.len) return seg_.load_addr + p.new_at + (off >= p.old_at ? off - p.old_at : 0);
    }
    return seg_.load_addr + new_length_;
  }

  // The new segment bytes: kept old bytes, then new code where edits insert it.
  std::vector<uint8_t> rebuild(const uint8_t* old, ContentGenerator& content) const {
    std::vector<uint8_t> out(new_length_);
    for (size_t i = 0; i < pieces_.size(); ++i) {
      const Piece& p = pieces_[i];
      std::memcpy(out.data() + p.new_at, old + p.old_at, p.len);
      if (i < edits_.size()) content.fill(out.data() + p.new_at + p.len, edits_[i].inserted, seg_.load_addr);
    }
    return out;
  }

  // Calls f(new_offset) for every 32-bit word that came from the old segment.
  template <class F>
  void for_each_kept_word(F&& f) const {
    for (const Piece& p : pieces_) {
      for (uint32_t k = 0; k + 4 <= p.len; k += 4) f(p.new_at + k);
    }
  }

 private:
  struct Piece {
    uint32_t old_at;
    uint32_t new_at;
    uint32_t len;
  };

  core::SegmentInfo seg_;
  std::vector<Edit> edits_;
  std::vector<Piece> pieces_;
  uint32_t new_length_ = 0;
};

core::ImageInfo read_image(const std::vector<uint8_t>& image) {
  core::ImagePolicy policy;
  policy.require_hash = false;
  core::ImageInfo info;
  core::ImageProblem problem;
  if (core::parse_image({image.data(), image.size()}, policy, info, problem) != core::ImageError::Ok) {
    char buf[256];
    core::format_image_problem(problem, buf, sizeof buf);
    throw std::invalid_argument(std::string("not a valid app image: ") + buf);
  }
  return info;
}

// Edits spread over the segments in proportion to their size, 4-byte aligned like code and
// data are; the first 256 bytes of the first segment (the app descriptor) stay in place.
std::vector<std::vector<Edit>> plan_edits(const core::ImageInfo& info, const NextReleaseSpec& spec, uint32_t& rng) {
  std::vector<std::vector<Edit>> edits(info.segment_count);
  uint64_t total = 0;
  size_t largest = 0;
  for (size_t i = 0; i < info.segment_count; ++i) {
    total += info.segments[i].length;
    if (info.segments[i].length > info.segments[largest].length) largest = i;
  }
  auto position = [&](size_t seg) {
    const uint32_t first = seg == 0 ? static_cast<uint32_t>(core::kAppDescSize) : 0;
    const uint32_t len = info.segments[seg].length;
    return len <= first ? len : first + (xorshift(rng) % ((len - first) / 4 + 1)) * 4;
  };
  for (uint32_t e = 0; e < spec.edits && total > 0; ++e) {
    uint64_t pick = xorshift(rng) % total;
    size_t seg = 0;
    while (pick >= info.segments[seg].length) pick -= info.segments[seg++].length;
    Edit edit;
    edit.at = position(seg);
    if (xorshift(rng) % 2) {
      edit.inserted = 16 + (xorshift(rng) % 253) * 4;
    } else {
      edit.removed = std::min<uint32_t>(16 + (xorshift(rng) % 125) * 4, info.segments[seg].length - edit.at);
    }
    edits[seg].push_back(edit);
  }
  if (spec.growth > 0 && total > 0) edits[largest].push_back({position(largest), 0, (spec.growth + 3) & ~3u});
  return edits;
}

void change_strings(std::vector<std::vector<uint8_t>>& segments, const core::ImageInfo& info, uint32_t count,
                    uint32_t& rng) {
  auto letter = [](uint8_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  for (uint32_t n = 0, tries = 0; n < count && tries < 1000; ++tries) {
    const size_t seg = xorshift(rng) % segments.size();
    std::vector<uint8_t>& d = segments[seg];
    if (is_code_address(info.segments[seg].load_addr) || d.size() < 2 * core::kAppDescSize) continue;
    const size_t from = (seg == 0 ? core::kAppDescSize : 0) + xorshift(rng) % (d.size() / 2);
    for (size_t i = from; i + 5 < d.size(); ++i) {
      if (letter(d[i]) && letter(d[i + 1]) && letter(d[i + 2]) && letter(d[i + 3])) {
        d[i + 2] = static_cast<uint8_t>('a' + xorshift(rng) % 26);
        ++n;
        break;
      }
    }
  }
}

void write_next_app_desc(uint8_t* desc, const NextReleaseSpec& spec, uint32_t& rng) {
  std::memset(desc + core::kAppDescVersionOffset, 0, core::kAppVersionFieldSize);
  put_string(desc + core::kAppDescVersionOffset, core::kAppVersionFieldSize, spec.version, "version");
  char time[16];
  std::snprintf(time, sizeof time, "%02u:%02u:%02u", static_cast<unsigned>(xorshift(rng) % 24),
                static_cast<unsigned>(xorshift(rng) % 60), static_cast<unsigned>(xorshift(rng) % 60));
  std::memset(desc + 80, 0, 16);
  put_string(desc + 80, 16, time, "build time");
  for (int i = 0; i < 32; ++i) desc[144 + i] = static_cast<uint8_t>(xorshift(rng));  // a new ELF's SHA-256
}

}  // namespace

std::vector<uint8_t> build_next_release(const std::vector<uint8_t>& image, const NextReleaseSpec& spec) {
  const core::ImageInfo info = read_image(image);
  if (!info.has_app_desc) throw std::invalid_argument("the image has no app descriptor to put a version in");
  uint32_t rng = spec.seed ? spec.seed : 0x9E3779B9u;
  const std::vector<std::vector<Edit>> plan = plan_edits(info, spec, rng);
  std::vector<SegmentChange> changes;
  std::vector<SegmentSpec> targets;
  for (size_t i = 0; i < info.segment_count; ++i) {
    changes.emplace_back(info.segments[i], plan[i]);
    targets.push_back({changes.back().load_addr(), changes.back().new_length()});
  }
  ContentGenerator content(xorshift(rng), targets);
  std::vector<std::vector<uint8_t>> segments;
  for (size_t i = 0; i < changes.size(); ++i) {
    segments.push_back(changes[i].rebuild(image.data() + info.segments[i].data_offset, content));
  }
  // What a relink does to addresses: each word pointing into moved code follows it.
  for (size_t i = 0; i < changes.size(); ++i) {
    changes[i].for_each_kept_word([&](uint32_t at) {
      const uint32_t word = core::load_le32(segments[i].data() + at);
      for (const SegmentChange& c : changes) {
        if (c.contains(word)) {
          core::store_le32(segments[i].data() + at, c.moved(word));
          break;
        }
      }
    });
  }
  change_strings(segments, info, spec.string_edits, rng);
  write_next_app_desc(segments[0].data(), spec, rng);

  std::vector<uint8_t> out(image.begin(), image.begin() + core::kImageHeaderSize);
  for (size_t i = 0; i < segments.size(); ++i) {
    uint8_t sh[core::kSegmentHeaderSize];
    core::store_le32(sh, info.segments[i].load_addr);
    core::store_le32(sh + 4, static_cast<uint32_t>(segments[i].size()));
    out.insert(out.end(), sh, sh + sizeof sh);
    out.insert(out.end(), segments[i].begin(), segments[i].end());
  }
  finish_image(out, info.header.hash_appended);
  return out;
}

}  // namespace vt132::host
