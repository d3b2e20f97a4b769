#pragma once
// The app slots as ESP-IDF's OTA API (esp_ota_ops.h) sees them. The OTA client installs
// through this port and never touches raw flash or otadata itself, so on the board the
// real esp_ota_begin/write/end/set_boot_partition run: flash encryption, the image check
// of esp_ota_end and the bootloader's rollback all stay ESP-IDF's.
//
//   ESP-IDF                                   OtaSlots
//   esp_ota_get_running_partition             running()
//   esp_ota_get_boot_partition                boot()
//   esp_ota_get_next_update_partition(NULL)   next_update()
//   esp_ota_get_partition_description         describe()
//   esp_partition_read                        read()
//   esp_ota_begin / write / end / abort       begin() / write() / end() / abort()
//   esp_ota_set_boot_partition                set_boot()
//   esp_ota_get_state_partition(running)      running_pending_verify()
//   esp_ota_mark_app_valid_cancel_rollback    mark_running_valid()
//   esp_ota_mark_app_invalid_rollback         rollback()  (the caller resets afterwards)
//
// Host port: boot::FlashOtaSlots (slot writer, otadata and the bootloader simulation over
// a port::Flash). Device port: firmware/esp-idf (esp_ota_* and esp_partition_*).
#include <cstddef>
#include <cstdint>

#include "vt132/core/app_image.hpp"

namespace vt132::core::port {

// One OTA app slot (an app/ota_N partition).
struct Slot {
  int index = -1;          // N of ota_N; -1: none
  char label[17] = {};
  uint32_t offset = 0;     // absolute flash offset
  uint32_t size = 0;
  bool valid() const { return index >= 0; }
};

enum class SlotError {
  Ok,
  NoSlot,       // no such slot, the partition table has fewer than two, or (rollback) no
                // other slot holds a bootable image
  Busy,         // an update is already open (begin twice), none is (write without begin),
                // or the running image has not confirmed itself yet (esp_ota_begin's rule)
  TooLarge,     // the image would not fit the slot
  Flash,        // a read, erase or write failed
  InvalidImage, // end() / set_boot(): the bytes in the slot are not a bootable app image
                // (structure, checksum, appended SHA-256, chip, or secure_version below the floor)
  NotPending,   // rollback() when the running image is not awaiting verification
};
const char* describe(SlotError error);

class OtaSlots {
 public:
  virtual ~OtaSlots() = default;

  virtual Slot running() = 0;
  // The slot the next reset boots: otadata's choice, or ota_0 when it holds no valid entry
  // (the VT132 has no factory app).
  virtual Slot boot() = 0;
  // The slot after the running one, in ota_N order: where an update goes.
  virtual Slot next_update() = 0;
  // The app descriptor of the image in `slot`; false when the slot holds no app image.
  virtual bool describe(const Slot& slot, AppDescriptor& out) = 0;
  // Raw bytes of a slot (decrypted, as esp_partition_read gives them).
  virtual bool read(const Slot& slot, uint32_t offset, void* out, size_t len) = 0;

  // One update at a time. begin() prepares `slot` for an image of image_size bytes (0:
  // unknown) without erasing it all up front: sectors are erased as the writes reach them.
  virtual SlotError begin(const Slot& slot, size_t image_size) = 0;
  // Appends to the open update, in order.
  virtual SlotError write(const uint8_t* data, size_t len) = 0;
  // Closes the update and checks the image as it now is in flash. The slot is not selected.
  virtual SlotError end() = 0;
  // Drops the open update (if any); the slot's contents are then undefined.
  virtual void abort() = 0;

  // Makes `slot` boot next (checking its image again first). With rollback enabled the new
  // image must confirm itself on its first boot (mark_running_valid), or it is rolled back.
  virtual SlotError set_boot(const Slot& slot) = 0;
  // True on the first boot of a new image, until it is confirmed.
  virtual bool running_pending_verify() = 0;
  // The running image declares itself good: rollback is cancelled and the anti-rollback
  // floor rises to its secure_version. Ok (and nothing written) when it was already valid.
  virtual SlotError mark_running_valid() = 0;
  // The running image declares itself bad: it will not boot again; the previous one boots
  // on the next reset, which the caller triggers.
  virtual SlotError rollback() = 0;
};

}  // namespace vt132::core::port
