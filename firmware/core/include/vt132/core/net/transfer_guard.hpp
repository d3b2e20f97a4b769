#pragma once
// Bounds how long a transfer may take as a whole. The per-read timeout alone never ends a
// download from a server that sends a byte every few seconds; these two rules do:
//  - every window of `window_ms` must bring at least `min_rate` bytes/s on average, which
//    ends a stall or a trickle within about one window;
//  - the whole transfer (with its redirects and resumes) must end within
//    `deadline_base_ms` plus the expected size at `deadline_rate` bytes/s, which ends a
//    server that paces itself just above the window floor.
// The defaults and why they are what they are: docs/ota-commands.md "How long an update may take".
#include <cstddef>
#include <cstdint>

#include "vt132/core/port/system.hpp"

namespace vt132::core {

// A working Wi-Fi link, even a weak one, moves tens of KiB/s; these floors are far below
// that. The window is long enough for the link to drop and re-associate (10-20 s) inside it.
struct TransferLimits {
  uint32_t min_rate = 1024;          // bytes/s over each window
  uint32_t window_ms = 30000;
  uint32_t deadline_rate = 4096;     // a 1.25 MiB slot: 60 s + 320 s
  uint32_t deadline_base_ms = 60000; // connects, TLS handshakes, redirects, resumes
};

class TransferGuard {
 public:
  TransferGuard(port::Clock& clock, const TransferLimits& limits) : clock_(clock), limits_(limits) {}

  // Starts a transfer of at most `expected_bytes`: the deadline and the first window.
  void start(uint64_t expected_bytes);
  // Accounts `n` received bytes; false once the transfer is too slow or past its deadline
  // (and from then on).
  bool received(size_t n);

 private:
  static constexpr uint32_t kLongestDeadlineMs = UINT32_MAX / 2;

  port::Clock& clock_;
  TransferLimits limits_;
  uint32_t start_ms_ = 0;
  uint32_t deadline_ms_ = 0;  // after start_ms_
  uint32_t window_start_ms_ = 0;
  uint64_t window_bytes_ = 0;
  bool failed_ = false;
};

}  // namespace vt132::core
