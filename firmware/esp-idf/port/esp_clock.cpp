#include "port/esp_clock.hpp"

// <time.h> rather than <ctime>: libstdc++ 12's <ctime> names timespec_get, which picolibc
// (a C library ESP-IDF 5.5 can build with) does not declare.
#include <time.h>

#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"

namespace vt132::espport {
namespace {

// Without SNTP the RTC counts from 1970 at power-on; anything before 2020-01-01 means the
// wall clock has not been set, and the core must not trust it (certificate dates, logs).
constexpr int64_t kEarliestPlausibleTime = 1577836800;

}  // namespace

uint32_t EspClock::millis() { return static_cast<uint32_t>(esp_timer_get_time() / 1000); }

int64_t EspClock::unix_time() {
  const int64_t now = static_cast<int64_t>(time(nullptr));
  return now >= kEarliestPlausibleTime ? now : 0;
}

void EspClock::sleep_ms(uint32_t ms) {
  if (ms == 0) return;
  TickType_t ticks = pdMS_TO_TICKS(ms);
  vTaskDelay(ticks > 0 ? ticks : 1);
}

}  // namespace vt132::espport
