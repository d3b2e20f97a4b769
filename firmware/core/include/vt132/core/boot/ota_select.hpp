#pragma once
// otadata on flash: reading and writing the two select entries. The entry format and the
// selection rules are core otadata.hpp's; this adds only the flash access.
#include <cstdint>

#include "vt132/core/otadata.hpp"
#include "vt132/core/partition_table.hpp"
#include "vt132/core/port/flash.hpp"

namespace vt132::core::boot {

struct OtaSelect {
  OtaSelectEntry sector[2];
};

bool read_ota_select(port::Flash& flash, const PartitionEntry& otadata, OtaSelect& out);
// Erases one otadata sector and writes an entry into it.
bool write_ota_entry(port::Flash& flash, const PartitionEntry& otadata, int sector, const OtaSelectEntry& entry);

// What esp_ota_get_boot_partition answers: the slot of the active entry, or 0.
int boot_slot(const OtaSelect& sel, int slot_count);

// Makes `slot` the next to boot, in state NEW, by writing the sector that does not hold the
// active entry, so a power cut during the write leaves the active entry untouched.
bool select_slot_for_boot(port::Flash& flash, const PartitionEntry& otadata, int slot, int slot_count);

}  // namespace vt132::core::boot
