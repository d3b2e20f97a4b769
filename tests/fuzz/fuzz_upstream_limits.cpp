// libFuzzer target for the mirror's reading of an upstream's Retry-After and X-RateLimit-*
// headers: never crashes, and never asks to wait longer than a day or into the past.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "../../server/src/upstream_limits.cpp"

using namespace vt132::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // Three header values split at the first two newlines.
  const size_t a = input.find('\n');
  const size_t b = a == std::string_view::npos ? a : input.find('\n', a + 1);
  RateHeaders h;
  h.retry_after = input.substr(0, a);
  if (a != std::string_view::npos) h.remaining = input.substr(a + 1, b == std::string_view::npos ? b : b - a - 1);
  if (b != std::string_view::npos) h.reset = input.substr(b + 1);
  const int64_t now = 1'800'000'000;
  const int64_t when = not_before(h, now);
  if (when != 0 && (when < now || when > now + kMaxUpstreamWaitSeconds)) std::abort();
  if (const auto n = parse_header_integer(h.retry_after)) {
    if (*n < 0 || *n > 999'999'999'999) std::abort();
  }
  return 0;
}
