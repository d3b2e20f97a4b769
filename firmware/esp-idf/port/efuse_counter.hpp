#pragma once
// The anti-rollback floor: the secure_version eFuse field (esp_efuse.h). eFuse bits can only
// be burnt, never cleared, so the floor only goes up, as port::SecureCounter requires.
#include <cstdint>

#include "vt132/core/port/system.hpp"

namespace vt132::espport {

class EfuseSecureCounter final : public core::port::SecureCounter {
 public:
  uint32_t floor() override;
  // Burns nothing itself. esp_efuse.h reserves esp_efuse_update_secure_version for ESP-IDF's
  // own use: with CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK, esp_ota_mark_app_valid_cancel_rollback
  // (EspOtaSlots::mark_running_valid) burns the field to the confirmed image's
  // secure_version, and the bootloader enforces it. On the device the core only reads the
  // floor (to refuse an older image before downloading it); raising it here is the host
  // bootloader simulation's job. A call above the floor is logged so a mismatch shows.
  void raise_to(uint32_t value) override;
};

}  // namespace vt132::espport
