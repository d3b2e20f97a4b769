#pragma once
// The modem's clock on esp_timer (microseconds since boot) and the C library's time(),
// which SNTP sets once the device has synchronised.
#include <cstdint>

#include "vt132/core/port/system.hpp"

namespace vt132::espport {

class EspClock final : public core::port::Clock {
 public:
  uint32_t millis() override;
  // 0 until SNTP (or anything else) has set the wall clock.
  int64_t unix_time() override;
  // Sleeps at least one FreeRTOS tick when ms > 0, so a polling loop always lets the idle
  // task run (the task watchdog watches it).
  void sleep_ms(uint32_t ms) override;
};

}  // namespace vt132::espport
