#include "vt132/host/lz_encoder.hpp"

#include <algorithm>
#include <cmath>
#include <memory>

#include "vt132/core/delta/lz_model.hpp"

namespace vt132::host {
namespace delta = vt132::core::delta;

namespace {

// The encoder side of lz_model.hpp's coder interface. `low` keeps one carry bit above its 32
// bits; a byte that a carry could still change waits in `cache_` (with `pending_` 0xFF bytes
// after it) until the carry is known.
class RangeEncoder {
 public:
  explicit RangeEncoder(std::vector<uint8_t>& out) : out_(out) {}

  uint32_t bit(uint16_t& prob, uint32_t value) {
    normalize();
    const uint32_t bound = (range_ >> delta::kProbBits) * prob;
    if (value) {
      low_ += bound;
      range_ -= bound;
    } else {
      range_ = bound;
    }
    delta::adapt(prob, value);
    return value;
  }

  uint32_t direct(unsigned count, uint32_t value) {
    for (unsigned i = count; i-- > 0;) {
      normalize();
      range_ >>= 1;
      if ((value >> i) & 1u) low_ += range_;
    }
    return value;
  }

  // Pushes out every byte the decoder's reads of its 5 priming bytes plus its
  // renormalisations will take: exactly as many as it reads.
  void flush() {
    for (size_t i = 0; i < delta::kRangeInitBytes; ++i) shift_low();
  }

 private:
  void normalize() {
    if (range_ < delta::kRangeTop) {
      range_ <<= 8;
      shift_low();
    }
  }

  void shift_low() {
    const bool carry = (low_ >> 32) != 0;
    if (static_cast<uint32_t>(low_) < 0xFF000000u || carry) {
      uint8_t byte = cache_;
      for (; pending_ > 0; --pending_) {
        out_.push_back(static_cast<uint8_t>(byte + (carry ? 1 : 0)));
        byte = 0xFF;
      }
      cache_ = static_cast<uint8_t>(low_ >> 24);
    }
    ++pending_;
    low_ = (low_ & 0x00FFFFFFu) << 8;
  }

  std::vector<uint8_t>& out_;
  uint64_t low_ = 0;
  uint32_t range_ = 0xFFFFFFFFu;
  uint8_t cache_ = 0;
  uint32_t pending_ = 1;
};

// Finds matches inside the window with hash chains over 3-byte prefixes.
class MatchFinder {
 public:
  explicit MatchFinder(const std::vector<uint8_t>& data) : data_(data), prev_(data.size(), kNone) {
    std::fill(std::begin(head_), std::end(head_), kNone);
  }

  void insert(size_t at) {
    if (at + 3 > data_.size()) return;
    const uint32_t h = hash(at);
    prev_[at] = head_[h];
    head_[h] = static_cast<uint32_t>(at);
  }

  size_t length_at(size_t at, size_t distance) const {
    const size_t limit = std::min(data_.size() - at, static_cast<size_t>(delta::kMaxMatch));
    size_t n = 0;
    while (n < limit && data_[at + n] == data_[at + n - distance]) ++n;
    return n;
  }

  // Longest match at `at` (before inserting `at`); length 0 when none of 3 bytes or more.
  void longest(size_t at, size_t& length, size_t& distance) const {
    length = distance = 0;
    if (at + 3 > data_.size()) return;
    uint32_t cand = head_[hash(at)];
    for (int depth = 0; cand != kNone && depth < kMaxChain; ++depth, cand = prev_[cand]) {
      const size_t d = at - cand;
      if (d > delta::kWindowSize) break;
      const size_t n = length_at(at, d);
      if (n > length) {
        length = n;
        distance = d;
        if (n == delta::kMaxMatch) break;
      }
    }
    if (length < 3) length = distance = 0;
  }

 private:
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  static constexpr int kMaxChain = 256;
  static constexpr unsigned kHashBits = 15;

  uint32_t hash(size_t at) const {
    const uint32_t v = data_[at] | data_[at + 1] << 8 | data_[at + 2] << 16;
    return (v * 2654435761u) >> (32 - kHashBits);
  }

  const std::vector<uint8_t>& data_;
  std::vector<uint32_t> prev_;
  uint32_t head_[1u << kHashBits];
};

// lz_model.hpp's coder interface again, counting the bits a token would cost with the model as
// it is now, without writing or adapting anything: the parser's price list.
class PriceCoder {
 public:
  uint32_t bit(uint16_t& prob, uint32_t value) {
    bits += cost(value ? (1u << delta::kProbBits) - prob : prob);
    return value;
  }
  uint32_t direct(unsigned count, uint32_t value) {
    bits += count;
    return value;
  }
  double bits = 0;

 private:
  static double cost(uint32_t p) {
    static const std::vector<double> table = [] {
      std::vector<double> t((1u << delta::kProbBits) + 1);
      for (size_t i = 1; i < t.size(); ++i) t[i] = -std::log2(static_cast<double>(i) / (1u << delta::kProbBits));
      return t;
    }();
    return table[p];
  }
};

double token_price(delta::LzModel& model, delta::TokenContext ctx, delta::Token t) {
  PriceCoder price;
  delta::code_token(price, model, ctx, t);
  return price.bits;
}

size_t zero_run(const std::vector<uint8_t>& data, size_t at, size_t limit) {
  limit = std::min({data.size() - at, static_cast<size_t>(delta::kMaxMatch), limit});
  size_t n = 0;
  while (n < limit && data[at + n] == 0) ++n;
  return n;
}

// The token the plain parse takes at `at`, within `limit` bytes: a zero run or a literal.
delta::Token plain_token(const std::vector<uint8_t>& data, size_t at, size_t limit) {
  delta::Token t;
  const size_t zeros = zero_run(data, at, limit);
  if (zeros >= delta::kMinMatch) {
    t.kind = delta::TokenKind::ZeroRun;
    t.length = static_cast<uint32_t>(zeros);
  } else {
    t.byte = data[at];
  }
  return t;
}

// What `count` bytes from `at` cost in the plain parse, which is what a match must beat.
double plain_price(delta::LzModel& model, delta::TokenContext ctx, const std::vector<uint8_t>& data, size_t at,
                   size_t count) {
  PriceCoder price;
  for (size_t k = 0; k < count;) {
    delta::Token t = plain_token(data, at + k, count - k);
    delta::code_token(price, model, ctx, t);
    k += t.kind == delta::TokenKind::Literal ? 1 : t.length;
    ctx.prev_zero = data[at + k - 1] == 0;
  }
  return price.bits;
}

// A Rep or a Match when it costs fewer bits than the plain parse of the same bytes (the one
// that saves most), else the plain token: on patch bodies most matches cost more than the zero
// runs and literals they replace.
delta::Token cheapest(delta::LzModel& model, const delta::TokenContext& ctx, const std::vector<uint8_t>& data,
                      size_t at, const delta::Token& rep, const delta::Token& match) {
  delta::Token best = plain_token(data, at, data.size() - at);
  double best_saving = 0;
  for (const delta::Token& t : {rep, match}) {
    if (t.length < delta::kMinMatch) continue;
    const double saving = plain_price(model, ctx, data, at, t.length) - token_price(model, ctx, t);
    if (saving > best_saving) {
      best_saving = saving;
      best = t;
    }
  }
  return best;
}

}  // namespace

std::vector<uint8_t> lz_compress(const std::vector<uint8_t>& data) {
  std::vector<uint8_t> out;
  out.reserve(data.size() / 4 + 16);
  RangeEncoder coder(out);
  auto model = std::make_unique<delta::LzModel>();
  model->reset();
  delta::TokenContext ctx;
  auto finder = std::make_unique<MatchFinder>(data);
  size_t i = 0;
  while (i < data.size()) {
    delta::Token t;
    const size_t rep = ctx.rep_distance;
    const size_t rep_len = i >= rep ? finder->length_at(i, rep) : 0;
    size_t len = 0;
    size_t dist = 0;
    finder->longest(i, len, dist);
    delta::Token rep_token;
    rep_token.kind = delta::TokenKind::Rep;
    rep_token.length = static_cast<uint32_t>(rep_len);
    delta::Token match;
    match.kind = delta::TokenKind::Match;
    match.length = static_cast<uint32_t>(len);
    match.distance = static_cast<uint32_t>(dist);
    t = cheapest(*model, ctx, data, i, rep_token, match);
    delta::code_token(coder, *model, ctx, t);
    const size_t n = t.kind == delta::TokenKind::Literal ? 1 : t.length;
    for (size_t k = 0; k < n; ++k) finder->insert(i + k);
    i += n;
    ctx.prev_zero = data[i - 1] == 0;
  }
  delta::Token end;
  end.kind = delta::TokenKind::End;
  delta::code_token(coder, *model, ctx, end);
  coder.flush();
  return out;
}

}  // namespace vt132::host
