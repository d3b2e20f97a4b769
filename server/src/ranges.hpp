#pragma once
// The Range request header for downloads (RFC 9110 section 14), decided by us rather than
// by httplib, whose 0.11.4 range code neither checks ranges against the size nor bounds
// multi-range responses. One range is answered with 206; several ranges, other units and
// malformed values are ignored (a full 200, which the RFC allows); a range starting beyond
// the end is 416. Self-contained (std only) for the fuzz target.
#include <cstdint>
#include <string_view>

namespace vt132::server {

struct RangeDecision {
  enum Kind { Full, Partial, Unsatisfiable } kind = Full;
  uint64_t first = 0;  // Partial: inclusive byte positions within the representation
  uint64_t last = 0;
  uint64_t length() const { return last - first + 1; }
};

RangeDecision decide_range(std::string_view range_header, uint64_t size);

}  // namespace vt132::server
