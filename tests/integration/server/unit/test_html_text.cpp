#include <doctest/doctest.h>

#include <string>

#include "html_text.hpp"

using namespace vt132::server;

TEST_SUITE("server_html_text") {
  TEST_CASE("relative_time names the largest whole unit, past or future") {
    const int64_t now = 1'800'000'000;
    CHECK(relative_time(now, now) == "just now");
    CHECK(relative_time(now - 59, now) == "just now");
    CHECK(relative_time(now - 60, now) == "1 minute ago");
    CHECK(relative_time(now - 3 * 86400 - 5, now) == "3 days ago");
    CHECK(relative_time(now + 12 * 86400 + 100, now) == "in 12 days");
    CHECK(relative_time(now - 2 * 3600, now) == "2 hours ago");
    CHECK(relative_time(now - 400 * 86400, now) == "1 year ago");
    CHECK(relative_time(now - 45 * 86400, now) == "1 month ago");
  }

  TEST_CASE("html_time carries the exact UTC time for machines and on hover") {
    const int64_t t = 1'764'579'600;  // 2025-12-01T09:00:00Z
    CHECK(html_time(t, t + 3 * 86400) ==
          "<time datetime=\"2025-12-01T09:00:00Z\" title=\"2025-12-01 09:00 UTC\">3 days ago</time>");
  }

  TEST_CASE("html_escape leaves no markup") {
    CHECK(html_escape("<a href=\"x\">'&'</a>") == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
  }
}
