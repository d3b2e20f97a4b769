#include <doctest/doctest.h>

#include "vt132/core/net/transfer_guard.hpp"

using namespace vt132::core;

namespace {
struct FakeClock : port::Clock {
  uint32_t now = 0xFFFFF000u;  // close to the wrap of millis(): durations must survive it
  uint32_t millis() override { return now; }
  int64_t unix_time() override { return 0; }
  void sleep_ms(uint32_t ms) override { now += ms; }
};

TransferLimits limits() {
  TransferLimits l;
  l.min_rate = 1000;
  l.window_ms = 10000;
  l.deadline_rate = 4000;
  l.deadline_base_ms = 5000;
  return l;
}

// Feeds `bytes_per_s` for `seconds`, one read a second; false once the guard refuses.
bool feed(FakeClock& clock, TransferGuard& g, size_t bytes_per_s, int seconds) {
  for (int i = 0; i < seconds; ++i) {
    clock.now += 1000;
    if (!g.received(bytes_per_s)) return false;
  }
  return true;
}
}  // namespace

TEST_SUITE("transfer_guard") {
  TEST_CASE("a transfer at the rate floor passes every window") {
    FakeClock clock;
    TransferGuard g(clock, limits());
    g.start(1000000);  // deadline 5 s + 250 s
    CHECK(feed(clock, g, 1000, 240));
  }

  TEST_CASE("a trickle fails at the end of the first window, and stays failed") {
    FakeClock clock;
    TransferGuard g(clock, limits());
    g.start(1000000);
    CHECK(feed(clock, g, 2, 9));
    CHECK_FALSE(feed(clock, g, 2, 1));  // 10 s: 20 bytes in the window
    CHECK_FALSE(g.received(1000000));
  }

  TEST_CASE("one byte under the floor over a window fails") {
    FakeClock clock;
    TransferGuard g(clock, limits());
    g.start(1000000);
    CHECK(feed(clock, g, 1000, 9));
    clock.now += 1000;
    CHECK_FALSE(g.received(999));
  }

  TEST_CASE("a stall inside a window is absorbed when the window's average holds") {
    FakeClock clock;
    TransferGuard g(clock, limits());
    g.start(1000000);
    CHECK(feed(clock, g, 0, 7));      // 7 s without a byte (a Wi-Fi re-association)
    CHECK(feed(clock, g, 4000, 3));   // then the link catches up within the window
    CHECK(feed(clock, g, 1000, 20));
  }

  TEST_CASE("the deadline is the base plus the size at the deadline rate") {
    FakeClock clock;
    TransferGuard g(clock, limits());
    g.start(40000);  // 5 s + 10 s
    CHECK(feed(clock, g, 1500, 15));
    CHECK_FALSE(feed(clock, g, 1500, 1));
  }

  TEST_CASE("start() begins a new transfer with a new deadline") {
    FakeClock clock;
    TransferGuard g(clock, limits());
    g.start(0);
    CHECK_FALSE(feed(clock, g, 5000, 6));
    g.start(0);
    CHECK(feed(clock, g, 5000, 5));
  }

  TEST_CASE("an enormous expected size does not overflow into a short deadline") {
    FakeClock clock;
    TransferGuard g(clock, limits());
    g.start(UINT64_MAX);
    CHECK(feed(clock, g, 1000, 1000));
  }
}
