#include <doctest/doctest.h>

#include "ranges.hpp"

using namespace vt132::server;

namespace {
RangeDecision d(const char* header, uint64_t size = 1000) { return decide_range(header, size); }
}  // namespace

TEST_SUITE("server_ranges") {
  TEST_CASE("a single range is partial, clamped to the end") {
    CHECK(d("bytes=0-0").kind == RangeDecision::Partial);
    CHECK(d("bytes=0-0").length() == 1);
    CHECK(d("bytes=10-19").first == 10);
    CHECK(d("bytes=10-19").last == 19);
    CHECK(d("bytes=990-5000").last == 999);
    CHECK(d("bytes=500-").first == 500);
    CHECK(d("bytes=500-").last == 999);
    CHECK(d("bytes=999-").length() == 1);
    CHECK(d(" bytes=1-2 ").kind == RangeDecision::Partial);
  }

  TEST_CASE("suffix ranges count from the end and are capped at the whole file") {
    CHECK(d("bytes=-100").first == 900);
    CHECK(d("bytes=-100").last == 999);
    CHECK(d("bytes=-5000").first == 0);
    CHECK(d("bytes=-5000").last == 999);
  }

  TEST_CASE("a range starting at or beyond the end is unsatisfiable") {
    CHECK(d("bytes=1000-").kind == RangeDecision::Unsatisfiable);
    CHECK(d("bytes=5000-6000").kind == RangeDecision::Unsatisfiable);
    CHECK(d("bytes=-0").kind == RangeDecision::Unsatisfiable);
    CHECK(d("bytes=0-", 0).kind == RangeDecision::Unsatisfiable);
  }

  TEST_CASE("multiple ranges, other units and garbage are ignored: the whole file is sent") {
    for (const char* h : {"", "bytes=0-1,5-9", "bytes=0-1, 0-1, 0-1", "items=0-5", "bytes=", "bytes=a-b",
                          "bytes=5-2", "bytes=5-1", "items=0-1", "bytes=--1", "bytes=1", "bytes=99999999999999999999-",
                          "bytes=0-99999999999999999999", "Bytes=0-1"}) {
      CHECK_MESSAGE(d(h).kind == RangeDecision::Full, h);
    }
  }
}
