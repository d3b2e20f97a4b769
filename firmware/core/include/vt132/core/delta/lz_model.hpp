#pragma once
// The patch body's compressor, the part encoder (host) and decoder (device) share: LZ77 over a
// 2 KiB window with adaptive binary range coding (docs/delta.md, "Body compression").
// The token layout is written once, as templates over a "coder": the encoder's coder writes
// the value it is given and returns it, the decoder's ignores it and returns what it reads.
// So both sides walk the same bits in the same order by construction.
//
// A coder provides:
//   uint32_t bit(uint16_t& prob, uint32_t value);    one bit with an adaptive probability
//   uint32_t direct(unsigned count, uint32_t value); `count` bits at probability 1/2
#include <cstddef>
#include <cstdint>

namespace vt132::core::delta {

constexpr size_t kWindowSize = 2048;  // the decoder's whole history: its largest buffer
constexpr uint32_t kMinMatch = 2;
constexpr uint32_t kMaxMatch = kMinMatch + 8 + 16 + 64 - 1;  // 89: the length tree's reach
constexpr unsigned kProbBits = 11;                            // probabilities in 1/2048
constexpr uint16_t kProbHalf = 1u << (kProbBits - 1);
constexpr unsigned kProbAdaptShift = 5;
constexpr uint32_t kRangeTop = 1u << 24;  // renormalise (one byte in or out) below this
constexpr unsigned kDistSlotBits = 4;
constexpr uint32_t kEndSlot = 12;       // distance slot 12 marks the end of the body
// Input one token can take at most: each coded bit renormalises at most once (the range never
// shrinks by more than 2^8 per bit: probabilities stay in [31, 2017]/2048), and a token has at
// most 1 + 1 + 1 + 2 + 6 + 4 + 10 = 25 bits.
constexpr size_t kMaxTokenInput = 25;
constexpr size_t kRangeInitBytes = 5;  // the decoder primes its code register with these

struct LengthModel {
  uint16_t choice[2];
  uint16_t low[8];    // lengths 2..9
  uint16_t mid[16];   // 10..25
  uint16_t high[64];  // 26..89
};

// Adaptive probabilities (of a 0 bit), 1,432 bytes: part of the applier's state.
struct LzModel {
  static constexpr size_t kKinds = 4;  // contexts: the previous token's kind
  uint16_t is_match[kKinds];
  uint16_t is_zero_run[kKinds];
  uint16_t is_rep[kKinds];
  uint16_t literal[2][256];   // bit trees, by "previous byte was zero": diffs are mostly zero
  LengthModel match_length;
  LengthModel zero_length;
  uint16_t dist_slot[1u << kDistSlotBits];

  void reset() {
    uint16_t* const first = &is_match[0];
    uint16_t* const last = &dist_slot[0] + (1u << kDistSlotBits);
    for (uint16_t* p = first; p != last; ++p) *p = kProbHalf;
  }
};

// ZeroRun is the brief's "zero-run coding": the differences of an Add are mostly zeros, and a
// run of them needs no earlier zeros in the window to copy from.
enum class TokenKind : uint8_t { Literal = 0, Match = 1, Rep = 2, ZeroRun = 3, End = 4, Invalid = 5 };

struct Token {
  TokenKind kind = TokenKind::Literal;
  uint8_t byte = 0;       // Literal
  uint32_t length = 0;    // Match, Rep, ZeroRun: kMinMatch..kMaxMatch
  uint32_t distance = 0;  // Match: 1..kWindowSize (a Rep reuses the last one)
};

// What the coding of the next token depends on besides the model.
struct TokenContext {
  uint8_t last_kind = 0;     // TokenKind of the previous token (Literal, Match, Rep, ZeroRun)
  uint8_t prev_zero = 1;     // the last byte output was zero
  uint32_t rep_distance = 1; // distance of the last Match
};

inline void adapt(uint16_t& prob, uint32_t bit) {
  if (bit) {
    prob = static_cast<uint16_t>(prob - (prob >> kProbAdaptShift));
  } else {
    prob = static_cast<uint16_t>(prob + (((1u << kProbBits) - prob) >> kProbAdaptShift));
  }
}

// A `bits`-bit value through a binary tree of probabilities probs[1 .. 2^bits - 1].
template <class Coder>
uint32_t code_tree(Coder& c, uint16_t* probs, unsigned bits, uint32_t value) {
  uint32_t node = 1;
  for (unsigned i = bits; i-- > 0;) node = node << 1 | c.bit(probs[node], (value >> i) & 1u);
  return node - (1u << bits);
}

template <class Coder>
uint32_t code_length(Coder& c, LengthModel& m, uint32_t length) {
  const uint32_t v = length - kMinMatch;
  if (!c.bit(m.choice[0], v >= 8)) return kMinMatch + code_tree(c, m.low, 3, v);
  if (!c.bit(m.choice[1], v >= 24)) return kMinMatch + 8 + code_tree(c, m.mid, 4, v - 8);
  return kMinMatch + 24 + code_tree(c, m.high, 6, v - 24);
}

// Slot = bit length of distance - 1 (0..11); the bits under the top one follow directly.
inline uint32_t distance_slot(uint32_t d) {
  uint32_t slot = 0;
  while (d != 0) {
    ++slot;
    d >>= 1;
  }
  return slot;
}

template <class Coder>
uint32_t code_distance(Coder& c, LzModel& m, const Token& t, TokenKind& kind) {
  const bool end = t.kind == TokenKind::End;
  const uint32_t d = end ? 0 : t.distance - 1;
  const uint32_t slot = code_tree(c, m.dist_slot, kDistSlotBits, end ? kEndSlot : distance_slot(d));
  if (slot == kEndSlot) {
    kind = TokenKind::End;
    return 0;
  }
  if (slot > kEndSlot) {
    kind = TokenKind::Invalid;
    return 0;
  }
  if (slot < 2) return slot + 1;
  const unsigned low_bits = slot - 1;
  return ((1u << low_bits) | c.direct(low_bits, d & ((1u << low_bits) - 1))) + 1;
}

// Codes one token (the encoder passes it in; the decoder gets it back) and moves the context
// on. The caller sets ctx.prev_zero from the last byte the token produced.
template <class Coder>
void code_token(Coder& c, LzModel& m, TokenContext& ctx, Token& t) {
  const uint32_t kind_before = ctx.last_kind;
  if (!c.bit(m.is_match[kind_before], t.kind != TokenKind::Literal)) {
    t.kind = TokenKind::Literal;
    t.byte = static_cast<uint8_t>(code_tree(c, m.literal[ctx.prev_zero], 8, t.byte));
    ctx.last_kind = static_cast<uint8_t>(TokenKind::Literal);
    return;
  }
  if (c.bit(m.is_zero_run[kind_before], t.kind == TokenKind::ZeroRun)) {
    t.kind = TokenKind::ZeroRun;
    t.length = code_length(c, m.zero_length, t.length);
    ctx.last_kind = static_cast<uint8_t>(TokenKind::ZeroRun);
    return;
  }
  if (c.bit(m.is_rep[kind_before], t.kind == TokenKind::Rep)) {
    t.kind = TokenKind::Rep;
    t.distance = ctx.rep_distance;
    t.length = code_length(c, m.match_length, t.length);
    ctx.last_kind = static_cast<uint8_t>(TokenKind::Rep);
    return;
  }
  TokenKind kind = TokenKind::Match;
  const uint32_t distance = code_distance(c, m, t, kind);
  t.kind = kind;
  if (kind != TokenKind::Match) return;
  t.distance = distance;
  t.length = code_length(c, m.match_length, t.length);
  ctx.rep_distance = distance;
  ctx.last_kind = static_cast<uint8_t>(TokenKind::Match);
}

}  // namespace vt132::core::delta
