#include "port/nvs_settings.hpp"

#include <cstring>

#include "esp_log.h"
#include "nvs.h"

namespace vt132::espport {
namespace {

constexpr const char* kTag = "vt132-nvs";

// NVS keys are at most NVS_KEY_NAME_MAX_SIZE - 1 characters; a longer one is a caller bug
// that NVS would refuse anyway, so it is refused here before touching flash.
bool valid_key(const char* key) {
  return key && key[0] && std::strlen(key) < NVS_KEY_NAME_MAX_SIZE;
}

bool copy_bounded(const char* value, char* out, size_t cap) {
  const size_t len = std::strlen(value);
  if (len >= cap) return false;
  std::memcpy(out, value, len + 1);
  return true;
}

}  // namespace

NvsSettings::NvsSettings(const char* nvs_namespace, const SettingDefault* defaults, size_t default_count)
    : defaults_(defaults), default_count_(default_count) {
  nvs_handle_t h = 0;
  const esp_err_t err = nvs_open(nvs_namespace, NVS_READWRITE, &h);
  open_ = err == ESP_OK;
  if (open_) handle_ = h;
  else ESP_LOGE(kTag, "nvs_open(%s): %s; settings are not kept", nvs_namespace, esp_err_to_name(err));
}

NvsSettings::~NvsSettings() {
  if (open_) nvs_close(handle_);
}

const char* NvsSettings::default_for(const char* key) const {
  for (size_t i = 0; i < default_count_; ++i) {
    if (defaults_[i].value && std::strcmp(defaults_[i].key, key) == 0) return defaults_[i].value;
  }
  return nullptr;
}

bool NvsSettings::load(const char* key, char* out, size_t cap) {
  if (cap == 0) return false;
  out[0] = '\0';
  if (!valid_key(key)) return false;
  if (open_) {
    size_t len = cap;  // in: the buffer, out: the stored length with its NUL
    const esp_err_t err = nvs_get_str(handle_, key, out, &len);
    if (err == ESP_OK) return true;
    out[0] = '\0';
    // Stored but unreadable here (too long for cap, or not a string): the stored value is
    // the user's, so it is neither replaced by a default nor erased.
    if (err != ESP_ERR_NVS_NOT_FOUND) return false;
  }
  const char* fallback = default_for(key);
  if (!fallback || !copy_bounded(fallback, out, cap)) {
    out[0] = '\0';
    return false;
  }
  return true;
}

bool NvsSettings::store(const char* key, const char* value) {
  if (!open_ || !valid_key(key) || !value) return false;
  if (strnlen(value, core::port::kMaxSettingValue + 1) > core::port::kMaxSettingValue) return false;
  esp_err_t err = nvs_set_str(handle_, key, value);
  if (err == ESP_OK) err = nvs_commit(handle_);
  if (err != ESP_OK) ESP_LOGE(kTag, "storing %s: %s", key, esp_err_to_name(err));
  return err == ESP_OK;
}

}  // namespace vt132::espport
