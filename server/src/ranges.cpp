#include "ranges.hpp"

namespace vt132::server {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Digits only, at most 18 of them (fits in uint64_t with room), none empty.
bool parse_number(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  out = v;
  return true;
}

}  // namespace

RangeDecision decide_range(std::string_view header, uint64_t size) {
  RangeDecision full;
  header = trim(header);
  constexpr std::string_view kUnit = "bytes=";
  if (header.size() <= kUnit.size() || header.substr(0, kUnit.size()) != kUnit) return full;
  const std::string_view spec = trim(header.substr(kUnit.size()));
  if (spec.find(',') != std::string_view::npos) return full;  // multi-range: serve it whole
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return full;
  const std::string_view a = trim(spec.substr(0, dash));
  const std::string_view b = trim(spec.substr(dash + 1));

  RangeDecision d;
  d.kind = RangeDecision::Partial;
  if (a.empty()) {
    uint64_t n = 0;
    if (!parse_number(b, n)) return full;
    if (n == 0 || size == 0) return RangeDecision{RangeDecision::Unsatisfiable};
    d.first = n >= size ? 0 : size - n;
    d.last = size - 1;
    return d;
  }
  uint64_t first = 0;
  if (!parse_number(a, first)) return full;
  uint64_t last = 0;
  if (b.empty()) {
    last = UINT64_MAX;
  } else if (!parse_number(b, last) || last < first) {
    return full;
  }
  if (first >= size) return RangeDecision{RangeDecision::Unsatisfiable};
  d.first = first;
  d.last = last >= size ? size - 1 : last;
  return d;
}

}  // namespace vt132::server
