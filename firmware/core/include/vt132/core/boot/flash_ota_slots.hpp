#pragma once
// port::OtaSlots over a raw port::Flash: what esp_ota_ops does on the board, done here with
// the core's own slot writer, otadata code and image checks. The sim and the in-process
// power-cut tests install through it; the device uses firmware/esp-idf's port instead.
//
// Where ESP-IDF answers with an error, this answers with the SlotError firmware/esp-idf's
// port translates that error to:
//   begin() on the running slot           NoSlot  (ESP_ERR_OTA_PARTITION_CONFLICT)
//   begin() while the running image is    Busy    (ESP_ERR_OTA_ROLLBACK_INVALID_STATE)
//     still pending verification
//   rollback() with no other bootable     NoSlot  (ESP_ERR_OTA_ROLLBACK_FAILED)
//     image to go back to
// boot() with no valid otadata entry answers ota_0, as esp_ota_get_boot_partition does on
// a table without a factory app.
#include <cstdint>

#include "vt132/core/boot/bootloader.hpp"
#include "vt132/core/boot/slot_writer.hpp"
#include "vt132/core/otadata.hpp"
#include "vt132/core/partition_table.hpp"
#include "vt132/core/port/flash.hpp"
#include "vt132/core/port/ota_slots.hpp"
#include "vt132/core/port/system.hpp"

namespace vt132::core::boot {

class FlashOtaSlots final : public port::OtaSlots {
 public:
  // `boot` is what run_bootloader decided on this reset: the running slot and the otadata
  // entry that selected it. `table` is one read_partition_table accepted (otadata and at
  // least two OTA slots) and must outlive this object.
  FlashOtaSlots(port::Flash& flash, const PartitionTable& table, port::SecureCounter& efuse,
                const BootResult& boot);

  port::Slot running() override;
  port::Slot boot() override;
  port::Slot next_update() override;
  bool describe(const port::Slot& slot, AppDescriptor& out) override;
  bool read(const port::Slot& slot, uint32_t offset, void* out, size_t len) override;
  port::SlotError begin(const port::Slot& slot, size_t image_size) override;
  // After a failed write the update has a hole: every later write() and end() fail too.
  port::SlotError write(const uint8_t* data, size_t len) override;
  port::SlotError end() override;
  void abort() override;
  port::SlotError set_boot(const port::Slot& slot) override;
  bool running_pending_verify() override;
  port::SlotError mark_running_valid() override;
  port::SlotError rollback() override;

 private:
  port::Slot slot(int index) const;
  const PartitionEntry* partition(const port::Slot& slot) const;
  port::SlotError check_image(const PartitionEntry& part);
  bool other_slot_bootable();
  port::SlotError write_running_entry(OtaState state);

  port::Flash& flash_;
  const PartitionTable& table_;
  port::SecureCounter& efuse_;
  BootResult boot_;
  const PartitionEntry* open_ = nullptr;  // the slot of the update in progress
  bool failed_ = false;                   // a write of the open update failed
  uint8_t page_[port::kFlashSectorSize];
  SlotWriter writer_;
};

}  // namespace vt132::core::boot
