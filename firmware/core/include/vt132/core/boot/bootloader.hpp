#pragma once
// What the ESP-IDF second-stage bootloader decides on every reset, with app rollback and
// anti-rollback enabled: which slot runs, and the otadata state changes that go with it.
//
//   NEW            -> PENDING_VERIFY, boot it (the app must confirm it, see confirm_app)
//   PENDING_VERIFY -> ABORTED (it was reset before confirming), fall back
//   image broken or secure_version below the floor -> INVALID, fall back
//   no usable entry -> the first OTA slot holding a valid image
#include <cstdint>

#include "vt132/core/app_image.hpp"
#include "vt132/core/boot/partition_map.hpp"
#include "vt132/core/port/flash.hpp"
#include "vt132/core/port/system.hpp"

namespace vt132::core::boot {

struct BootResult {
  bool booted = false;
  int slot = -1;                // OTA slot index that runs
  const Partition* partition = nullptr;
  AppDescriptor app;
  int entry_sector = -1;        // otadata sector that selected it; -1 = fallback
  uint32_t entry_seq = 0;
  bool pending_verify = false;  // first boot of a new image: the app must confirm it
  bool rolled_back = false;     // an entry was aborted or invalidated on this boot
};

BootResult run_bootloader(port::Flash& flash, const PartitionMap& map, port::SecureCounter& efuse);

// The running app declares itself good (esp_ota_mark_app_valid_cancel_rollback): its entry
// becomes VALID and the anti-rollback floor rises to its secure_version.
bool confirm_app(port::Flash& flash, const PartitionMap& map, const BootResult& boot,
                 port::SecureCounter& efuse);

}  // namespace vt132::core::boot
