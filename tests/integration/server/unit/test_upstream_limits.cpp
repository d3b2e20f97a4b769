#include <doctest/doctest.h>

#include "mirror.hpp"
#include "upstream_limits.hpp"

using namespace vt132::server;

namespace {
constexpr int64_t kNow = 1'800'000'000;
int64_t wait_until(const char* retry_after, const char* remaining, const char* reset) {
  return not_before(RateHeaders{retry_after, remaining, reset}, kNow);
}
}  // namespace

TEST_SUITE("server_upstream_limits") {
  TEST_CASE("header integers are plain decimal digits, spaces around allowed, at most 12 digits") {
    CHECK(parse_header_integer("120") == 120);
    CHECK(parse_header_integer(" 7\t") == 7);
    CHECK(parse_header_integer("0") == 0);
    CHECK(parse_header_integer("999999999999") == 999999999999);
    CHECK_FALSE(parse_header_integer("1000000000000"));
    CHECK_FALSE(parse_header_integer(""));
    CHECK_FALSE(parse_header_integer("  "));
    CHECK_FALSE(parse_header_integer("-1"));
    CHECK_FALSE(parse_header_integer("1.5"));
    CHECK_FALSE(parse_header_integer("Wed, 21 Oct 2015 07:28:00 GMT"));
  }

  TEST_CASE("Retry-After wins; a spent quota waits for its reset; a day at most") {
    CHECK(wait_until("30", "0", "1800009999") == kNow + 30);
    CHECK(wait_until("", "0", "1800000600") == 1800000600);
    CHECK(wait_until("", "5", "1800000600") == 0);
    CHECK(wait_until("", "0", "1700000000") == 0);  // a reset in the past holds nothing back
    CHECK(wait_until("", "", "") == 0);
    CHECK(wait_until("99999999", "", "") == kNow + kMaxUpstreamWaitSeconds);
    CHECK(wait_until("", "0", "1900000000") == kNow + kMaxUpstreamWaitSeconds);
    CHECK(wait_until("soon", "", "") == 0);  // the mirror's own back-off applies then
  }

  TEST_CASE("the mirror's back-off doubles from min(interval, 30 s) up to max(interval, 15 min)") {
    CHECK(mirror_backoff_seconds(3600, 1) == 30);
    CHECK(mirror_backoff_seconds(3600, 2) == 60);
    CHECK(mirror_backoff_seconds(3600, 8) == 3600);
    CHECK(mirror_backoff_seconds(3600, 1000000) == 3600);
    CHECK(mirror_backoff_seconds(1, 1) == 1);
    CHECK(mirror_backoff_seconds(1, 3) == 4);
    CHECK(mirror_backoff_seconds(1, 64) == 900);
    CHECK(mirror_backoff_seconds(60, 5) == 480);
  }
}
