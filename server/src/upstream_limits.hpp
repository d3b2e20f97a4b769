#pragma once
// What an upstream API's answer says about when to ask again: Retry-After (delta-seconds) and
// GitHub's X-RateLimit-Remaining / X-RateLimit-Reset (unauthenticated: 60 requests an hour).
// Std-only, so the fuzz target compiles it directly (tests/fuzz/fuzz_upstream_limits.cpp).
#include <cstdint>
#include <optional>
#include <string_view>

namespace vt132::server {

// However far an upstream asks us to wait, we ask again after a day at the latest.
constexpr int64_t kMaxUpstreamWaitSeconds = 24 * 3600;

// A header value that is a non-negative decimal integer of at most 12 digits, optionally
// surrounded by spaces or tabs; nullopt for anything else (an HTTP-date Retry-After included:
// the caller's own back-off applies then).
std::optional<int64_t> parse_header_integer(std::string_view value);

struct RateHeaders {
  std::string_view retry_after;  // empty when absent
  std::string_view remaining;    // X-RateLimit-Remaining
  std::string_view reset;        // X-RateLimit-Reset, Unix seconds
};

// Unix seconds before which no request should go, per the headers, with `now` the time of
// the answer; 0 when they hold nothing back. Retry-After wins; otherwise a spent quota
// (remaining 0) waits for its reset. Never more than kMaxUpstreamWaitSeconds ahead.
int64_t not_before(const RateHeaders& headers, int64_t now);

}  // namespace vt132::server
