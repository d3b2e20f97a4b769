#pragma once
// port::OtaSlots on ESP-IDF's OTA API (esp_ota_ops.h) and partition API (esp_partition.h),
// one call each as the mapping in vt132/core/port/ota_slots.hpp says. Writing, image checks,
// flash encryption, otadata and rollback all stay ESP-IDF's.
//
// Slots are the app partitions of subtype ota_N (N = Slot::index). A factory app partition
// has no ota_N, so when it runs, running() is an invalid Slot; the VT132 layout has none.
#include <cstddef>
#include <cstdint>

#include "esp_ota_ops.h"
#include "esp_partition.h"
#include "vt132/core/port/ota_slots.hpp"

namespace vt132::espport {

class EspOtaSlots final : public core::port::OtaSlots {
 public:
  ~EspOtaSlots() override { abort(); }

  core::port::Slot running() override;
  core::port::Slot boot() override;
  core::port::Slot next_update() override;
  bool describe(const core::port::Slot& slot, core::AppDescriptor& out) override;
  bool read(const core::port::Slot& slot, uint32_t offset, void* out, size_t len) override;
  core::port::SlotError begin(const core::port::Slot& slot, size_t image_size) override;
  core::port::SlotError write(const uint8_t* data, size_t len) override;
  core::port::SlotError end() override;
  void abort() override;
  core::port::SlotError set_boot(const core::port::Slot& slot) override;
  bool running_pending_verify() override;
  core::port::SlotError mark_running_valid() override;
  core::port::SlotError rollback() override;

 private:
  const esp_partition_t* open_ = nullptr;  // the slot of the update in progress
  esp_ota_handle_t handle_ = 0;
  size_t written_ = 0;
};

// The partition behind a Slot (nullptr when the table has no such ota_N), and back.
const esp_partition_t* partition_of(const core::port::Slot& slot);
core::port::Slot slot_of(const esp_partition_t* partition);
// esp_app_desc_t as the core sees it: every string NUL-terminated within its field.
void to_app_descriptor(const esp_app_desc_t& in, core::AppDescriptor& out);

}  // namespace vt132::espport
