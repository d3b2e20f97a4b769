// Negative control for scripts/check-espidf.sh: a slot writer shaped like the real port
// (firmware/esp-idf/port/esp_ota_slots.cpp) with ONE deliberate mistake, esp_ota_begin
// called without its image_size argument. The kit check must reject this file; if it ever
// accepts it, the check proves nothing and check-espidf.sh fails.
#include <cstddef>
#include <cstdint>

#include "esp_ota_ops.h"
#include "esp_partition.h"

namespace {

esp_err_t begin_update(const esp_partition_t* slot, esp_ota_handle_t* handle) {
  return esp_ota_begin(slot, handle);  // wrong: (partition, image_size, out_handle)
}

esp_err_t write_and_end(esp_ota_handle_t handle, const uint8_t* data, size_t len) {
  const esp_err_t err = esp_ota_write(handle, data, len);
  return err == ESP_OK ? esp_ota_end(handle) : err;
}

}  // namespace

esp_err_t wrong_call_install(const uint8_t* data, size_t len) {
  const esp_partition_t* slot = esp_ota_get_next_update_partition(nullptr);
  esp_ota_handle_t handle = 0;
  const esp_err_t err = begin_update(slot, &handle);
  return err == ESP_OK ? write_and_end(handle, data, len) : err;
}
