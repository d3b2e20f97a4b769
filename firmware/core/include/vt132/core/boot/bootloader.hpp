#pragma once
// The ESP-IDF second-stage bootloader on every reset, with app rollback and anti-rollback
// enabled: it reads otadata, lets core decide_boot (otadata.hpp) choose the slot, writes
// the otadata changes that decision asks for, and "starts" the chosen image.
#include <cstdint>

#include "vt132/core/app_image.hpp"
#include "vt132/core/partition_table.hpp"
#include "vt132/core/port/flash.hpp"
#include "vt132/core/port/system.hpp"

namespace vt132::core::boot {

struct BootResult {
  bool booted = false;
  int slot = -1;                // OTA slot index that runs
  const PartitionEntry* partition = nullptr;
  AppDescriptor app;
  int entry_sector = -1;        // otadata sector whose entry selected it; -1: none did
  uint32_t entry_seq = 0;
  bool pending_verify = false;  // first boot of a new image: the app must confirm it
  bool rolled_back = false;     // not what otadata selected (an entry aborted, or an image refused)
  // An otadata write the decision asked for failed. The chosen slot boots all the same,
  // as on the board; the next reset decides again from what flash then holds.
  bool otadata_write_failed = false;
};

// The chip the bootloader starts images for (the VT132 is an ESP32).
constexpr int kBootChip = kChipEsp32;

// What the bootloader will start: the image in `slot` verifies for kBootChip (structure,
// checksum, appended SHA-256) and its secure_version is not below the anti-rollback floor.
// FlashOtaSlots' end() and set_boot() judge by the same rule, as esp_ota_end does.
bool slot_bootable(port::Flash& flash, const PartitionEntry& slot, port::SecureCounter& efuse);

// booted is false when otadata cannot be read (the board's bootloader resets and tries
// again) or no slot holds a bootable image. A failed otadata write never changes which
// slot boots: the decision is made once, from the entries as read, before any write.
// Booting a confirmed (VALID) entry raises the anti-rollback floor to its image's
// secure_version, as ESP-IDF's bootloader does, so a power cut between the app's confirm
// and its eFuse write is caught up on the next reset.
BootResult run_bootloader(port::Flash& flash, const PartitionTable& table, port::SecureCounter& efuse);

}  // namespace vt132::core::boot
