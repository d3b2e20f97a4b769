#include "vt132/core/net/transfer_guard.hpp"

namespace vt132::core {

void TransferGuard::start(uint64_t expected_bytes) {
  start_ms_ = window_start_ms_ = clock_.millis();
  window_bytes_ = 0;
  failed_ = false;
  const uint64_t rate = limits_.deadline_rate ? limits_.deadline_rate : 1;
  // expected_bytes * 1000 / rate, without overflowing for any size.
  const uint64_t ms = limits_.deadline_base_ms + expected_bytes / rate * 1000 + expected_bytes % rate * 1000 / rate;
  // millis() wraps after 49 days and durations are taken as differences: stay well below.
  deadline_ms_ = ms < kLongestDeadlineMs ? static_cast<uint32_t>(ms) : kLongestDeadlineMs;
}

bool TransferGuard::received(size_t n) {
  if (failed_) return false;
  const uint32_t now = clock_.millis();
  window_bytes_ += n;
  const uint32_t window = now - window_start_ms_;
  // Integer form of "window_bytes / window seconds < min_rate".
  const bool too_slow = window >= limits_.window_ms &&
                        window_bytes_ * 1000 < static_cast<uint64_t>(limits_.min_rate) * window;
  if (too_slow || now - start_ms_ > deadline_ms_) {
    failed_ = true;
    return false;
  }
  if (window >= limits_.window_ms) {
    window_start_ms_ = now;
    window_bytes_ = 0;
  }
  return true;
}

}  // namespace vt132::core
