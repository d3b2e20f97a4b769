#include "upstream_limits.hpp"

#include <algorithm>

namespace vt132::server {

std::optional<int64_t> parse_header_integer(std::string_view value) {
  const size_t first = value.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::nullopt;
  value.remove_prefix(first);
  value.remove_suffix(value.size() - (value.find_last_not_of(" \t") + 1));
  if (value.empty() || value.size() > 12) return std::nullopt;
  int64_t n = 0;
  for (const char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
  }
  return n;
}

int64_t not_before(const RateHeaders& headers, int64_t now) {
  const int64_t latest = now + kMaxUpstreamWaitSeconds;
  if (const auto delay = parse_header_integer(headers.retry_after)) return std::min(now + *delay, latest);
  const auto remaining = parse_header_integer(headers.remaining);
  const auto reset = parse_header_integer(headers.reset);
  if (remaining && *remaining == 0 && reset && *reset > now) return std::min(*reset, latest);
  return 0;
}

}  // namespace vt132::server
