#include "vt132/host/delta_encoder.hpp"

#include <divsufsort.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "vt132/core/crc32.hpp"
#include "vt132/core/delta/patch_format.hpp"
#include "vt132/core/sha256.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/lz_encoder.hpp"
#include "vt132/host/patch_apply.hpp"

namespace vt132::host {
namespace delta = vt132::core::delta;

namespace {

// An exact match shorter than this is not worth an alignment of its own.
constexpr size_t kMinAnchor = 8;
// A new alignment must beat the current one by this many matching bytes: pointers adjusted
// inside moved code break exact matches every few bytes, but the old alignment still holds.
constexpr size_t kSwitchMargin = 8;

struct Match {
  size_t base_pos = 0;
  size_t length = 0;
};

// Every suffix of the base in sorted order, to find the longest base match of any position.
class SuffixIndex {
 public:
  explicit SuffixIndex(const std::vector<uint8_t>& base) : base_(base), sa_(base.size()) {
    if (!base.empty() && divsufsort(base.data(), sa_.data(), static_cast<saidx_t>(base.size())) != 0) {
      throw Error("suffix sorting of the base image failed");
    }
  }

  Match longest(const uint8_t* p, size_t n) const {
    Match best;
    if (sa_.empty() || n == 0) return best;
    size_t lo = 0;
    size_t hi = sa_.size();
    while (hi - lo > 1) {
      const size_t mid = lo + (hi - lo) / 2;
      if (suffix_less(static_cast<size_t>(sa_[mid]), p, n)) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    // The longest common prefix is with a neighbour of the place `p` sorts into.
    for (const size_t i : {lo, hi}) {
      if (i >= sa_.size()) continue;
      const size_t len = common_prefix(static_cast<size_t>(sa_[i]), p, n);
      if (len > best.length) best = {static_cast<size_t>(sa_[i]), len};
    }
    return best;
  }

 private:
  bool suffix_less(size_t at, const uint8_t* p, size_t n) const {
    const size_t len = std::min(base_.size() - at, n);
    const int c = std::memcmp(base_.data() + at, p, len);
    return c < 0 || (c == 0 && base_.size() - at < n);
  }

  size_t common_prefix(size_t at, const uint8_t* p, size_t n) const {
    const size_t limit = std::min(base_.size() - at, n);
    size_t len = 0;
    while (len < limit && base_[at + len] == p[len]) ++len;
    return len;
  }

  const std::vector<uint8_t>& base_;
  std::vector<saidx_t> sa_;
};

// A stretch of the result covered by the base at a fixed displacement: result[i] comes from
// base[i + shift] (exactly, or plus a small difference).
struct Span {
  size_t begin = 0;
  size_t end = 0;
  int64_t shift = 0;
};

// Exact matches where the alignment with the base changes.
std::vector<Span> find_anchors(const std::vector<uint8_t>& base, const std::vector<uint8_t>& result) {
  const SuffixIndex index(base);
  std::vector<Span> anchors;
  bool aligned = false;
  int64_t shift = 0;
  size_t i = 0;
  while (i < result.size()) {
    const Match m = index.longest(result.data() + i, result.size() - i);
    if (m.length < kMinAnchor) {
      ++i;
      continue;
    }
    const int64_t s = static_cast<int64_t>(m.base_pos) - static_cast<int64_t>(i);
    if (aligned && s == shift) {
      i += m.length;
      continue;
    }
    size_t still = 0;  // bytes the current alignment gets right over the same stretch
    for (size_t k = i; aligned && k < i + m.length; ++k) {
      const int64_t b = static_cast<int64_t>(k) + shift;
      if (b >= 0 && b < static_cast<int64_t>(base.size()) && base[static_cast<size_t>(b)] == result[k]) ++still;
    }
    if (aligned && m.length <= still + kSwitchMargin) {
      ++i;
      continue;
    }
    anchors.push_back({i, i + m.length, s});
    aligned = true;
    shift = s;
    i += m.length;
  }
  return anchors;
}

bool equal_at(const std::vector<uint8_t>& base, const std::vector<uint8_t>& result, size_t i, int64_t shift) {
  const int64_t b = static_cast<int64_t>(i) + shift;
  return b >= 0 && b < static_cast<int64_t>(base.size()) && result[i] == base[static_cast<size_t>(b)];
}

bool in_base(const std::vector<uint8_t>& base, size_t i, int64_t shift) {
  const int64_t b = static_cast<int64_t>(i) + shift;
  return b >= 0 && b < static_cast<int64_t>(base.size());
}

// Grows a span forward while more than half of the bytes it takes on still match: the end
// where (2 * matches - length) peaks.
size_t extend_forward(const std::vector<uint8_t>& base, const std::vector<uint8_t>& result, const Span& s,
                      size_t limit) {
  long score = 0;
  long best = 0;
  size_t best_end = s.end;
  for (size_t i = s.end; i < limit && in_base(base, i, s.shift); ++i) {
    score += equal_at(base, result, i, s.shift) ? 1 : -1;
    if (score > best) {
      best = score;
      best_end = i + 1;
    }
  }
  return best_end;
}

size_t extend_backward(const std::vector<uint8_t>& base, const std::vector<uint8_t>& result, const Span& s,
                       size_t limit) {
  long score = 0;
  long best = 0;
  size_t best_begin = s.begin;
  for (size_t i = s.begin; i > limit && in_base(base, i - 1, s.shift); --i) {
    score += equal_at(base, result, i - 1, s.shift) ? 1 : -1;
    if (score > best) {
      best = score;
      best_begin = i - 1;
    }
  }
  return best_begin;
}

// Where two extended spans overlap, the boundary goes where the most bytes match on each side.
size_t best_split(const std::vector<uint8_t>& base, const std::vector<uint8_t>& result, const Span& left,
                  const Span& right, size_t from, size_t to) {
  long score = 0;  // matches of `left` minus matches of `right` over [from, i)
  long best = 0;
  size_t split = from;
  for (size_t i = from; i < to; ++i) {
    score += (equal_at(base, result, i, left.shift) ? 1 : 0) - (equal_at(base, result, i, right.shift) ? 1 : 0);
    if (score > best) {
      best = score;
      split = i + 1;
    }
  }
  return split;
}

// The anchors grown into disjoint spans in result order; what lies between them is literal.
std::vector<Span> cover(const std::vector<uint8_t>& base, const std::vector<uint8_t>& result) {
  std::vector<Span> spans = find_anchors(base, result);
  for (size_t k = 0; k < spans.size(); ++k) {
    const size_t prev_end = k == 0 ? 0 : spans[k - 1].end;
    spans[k].begin = extend_backward(base, result, spans[k], prev_end);
    if (k > 0 && spans[k].begin < spans[k - 1].end) {
      const size_t split = best_split(base, result, spans[k - 1], spans[k], spans[k].begin, spans[k - 1].end);
      spans[k - 1].end = split;
      spans[k].begin = split;
    }
    const size_t next_begin = k + 1 < spans.size() ? spans[k + 1].begin : result.size();
    spans[k].end = extend_forward(base, result, spans[k], next_begin);
  }
  spans.erase(std::remove_if(spans.begin(), spans.end(), [](const Span& s) { return s.begin >= s.end; }),
              spans.end());
  return spans;
}

class InstructionWriter {
 public:
  InstructionWriter(const std::vector<uint8_t>& base, const std::vector<uint8_t>& result, PatchStats& stats)
      : base_(base), result_(result), stats_(stats) {}

  void literal(size_t begin, size_t end) {
    if (begin == end) return;
    op(delta::Op::Literal, end - begin);
    out_.insert(out_.end(), result_.begin() + static_cast<long>(begin), result_.begin() + static_cast<long>(end));
    stats_.literal_bytes += end - begin;
  }

  void from_base(const Span& s) {
    const size_t len = s.end - s.begin;
    const size_t from = static_cast<size_t>(static_cast<int64_t>(s.begin) + s.shift);
    const bool exact = std::equal(result_.begin() + static_cast<long>(s.begin), result_.begin() + static_cast<long>(s.end),
                                  base_.begin() + static_cast<long>(from));
    op(exact ? delta::Op::Copy : delta::Op::Add, len);
    const int64_t offset = static_cast<int64_t>(from) - static_cast<int64_t>(base_pos_);
    varint(offset < 0 ? (static_cast<uint64_t>(-(offset + 1)) << 1) | 1u : static_cast<uint64_t>(offset) << 1);
    base_pos_ = from + len;
    if (exact) {
      stats_.copy_bytes += len;
      return;
    }
    for (size_t i = 0; i < len; ++i) out_.push_back(static_cast<uint8_t>(result_[s.begin + i] - base_[from + i]));
    stats_.add_bytes += len;
  }

  const std::vector<uint8_t>& bytes() const { return out_; }

 private:
  void op(delta::Op code, size_t len) {
    out_.push_back(static_cast<uint8_t>(code));
    varint(len);
    ++stats_.instructions;
  }

  void varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<uint8_t>(v));
  }

  const std::vector<uint8_t>& base_;
  const std::vector<uint8_t>& result_;
  PatchStats& stats_;
  std::vector<uint8_t> out_;
  size_t base_pos_ = 0;
};

void check_size(const std::vector<uint8_t>& image, const char* what) {
  if (image.size() > delta::kMaxPatchImageSize) {
    throw Error(std::string(what) + " image is " + std::to_string(image.size()) + " bytes; patches handle at most " +
                std::to_string(delta::kMaxPatchImageSize));
  }
}

}  // namespace

std::vector<uint8_t> make_patch(const std::vector<uint8_t>& base, const std::vector<uint8_t>& result,
                                PatchStats* stats) {
  check_size(base, "base");
  check_size(result, "new");
  PatchStats local;
  PatchStats& st = stats ? *stats : local;
  st = PatchStats{};
  InstructionWriter writer(base, result, st);
  size_t done = 0;
  for (const Span& s : cover(base, result)) {
    writer.literal(done, s.begin);
    writer.from_base(s);
    done = s.end;
  }
  writer.literal(done, result.size());

  const std::vector<uint8_t> body = lz_compress(writer.bytes());
  delta::PatchHeader h;
  h.base_size = static_cast<uint32_t>(base.size());
  h.result_size = static_cast<uint32_t>(result.size());
  h.body_size = static_cast<uint32_t>(body.size());
  h.body_crc32 = core::crc32(body.data(), body.size());
  h.base_sha256 = core::Sha256::of(base.data(), base.size());
  h.result_sha256 = core::Sha256::of(result.data(), result.size());
  uint8_t header[delta::kPatchHeaderSize];
  delta::write_patch_header(h, header);
  st.body_size = body.size();
  std::vector<uint8_t> patch(header, header + sizeof header);
  patch.insert(patch.end(), body.begin(), body.end());
  // Checked with the device's own applier before any caller can ship it.
  if (apply_patch(base, patch) != result) throw Error("internal error: the patch made does not reproduce the new image");
  return patch;
}

}  // namespace vt132::host
