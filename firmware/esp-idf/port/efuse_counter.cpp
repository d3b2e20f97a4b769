#include "port/efuse_counter.hpp"

#include "esp_efuse.h"
#include "esp_log.h"

namespace vt132::espport {
namespace {

constexpr const char* kTag = "vt132-efuse";

}  // namespace

uint32_t EfuseSecureCounter::floor() { return esp_efuse_read_secure_version(); }

void EfuseSecureCounter::raise_to(uint32_t value) {
  const uint32_t now = floor();
  if (value > now) {
    ESP_LOGW(kTag, "secure_version floor %u stays: ESP-IDF raises it to %u when the image confirms itself",
             static_cast<unsigned>(now), static_cast<unsigned>(value));
  }
}

}  // namespace vt132::espport
