#pragma once
// The modem's settings (the AT&W profile, Wi-Fi credentials) as strings in one NVS namespace.
//
// Keys the user has never stored fall back to the build's defaults (Kconfig: the update URL,
// the prerelease opt-in), so a fresh device follows its firmware's configuration while
// anything the user stored wins.
#include <cstddef>
#include <cstdint>

#include "vt132/core/port/system.hpp"

namespace vt132::espport {

struct SettingDefault {
  const char* key;
  const char* value;  // nullptr: no default for this key
};

class NvsSettings final : public core::port::Settings {
 public:
  // nvs_flash_init must have run. `defaults` (may be empty) must outlive this object.
  NvsSettings(const char* nvs_namespace, const SettingDefault* defaults, size_t default_count);
  ~NvsSettings() override;
  NvsSettings(const NvsSettings&) = delete;
  NvsSettings& operator=(const NvsSettings&) = delete;

  bool ok() const { return open_; }
  bool load(const char* key, char* out, size_t cap) override;
  bool store(const char* key, const char* value) override;

 private:
  const char* default_for(const char* key) const;

  uint32_t handle_ = 0;  // nvs_handle_t
  bool open_ = false;
  const SettingDefault* defaults_;
  size_t default_count_;
};

}  // namespace vt132::espport
