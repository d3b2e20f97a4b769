#pragma once
// otadata: two 4 KiB sectors, each starting with a 32-byte select entry
// {u32 seq, u8 label[20], u32 state, u32 crc}. The valid entry with the highest seq names
// the slot that boots: (seq - 1) mod <number of OTA slots>.
//
// Kept here because core otadata.hpp was still an empty placeholder; swap to it when it
// lands (the entry format is the same ESP-IDF one).
#include <cstdint>

#include "vt132/core/boot/partition_map.hpp"
#include "vt132/core/port/flash.hpp"

namespace vt132::core::boot {

enum class OtaState : uint32_t {
  New = 0,
  PendingVerify = 1,
  Valid = 2,
  Invalid = 3,
  Aborted = 4,
  Undefined = 0xFFFFFFFF,
};

struct OtaEntry {
  uint32_t seq = 0xFFFFFFFF;
  uint32_t state = 0xFFFFFFFF;
  uint32_t crc = 0xFFFFFFFF;
  bool valid() const;  // seq set, CRC right, not INVALID/ABORTED
};

// CRC-32 (reflected, init 0xFFFFFFFF as zlib.crc32(le32(seq), 0xFFFFFFFF)).
uint32_t ota_seq_crc(uint32_t seq);

struct OtaSelect {
  OtaEntry sector[2];
  // Sector of the valid entry with the highest seq, or -1 when neither is valid.
  int active() const;
};

bool read_ota_select(port::Flash& flash, const Partition& otadata, OtaSelect& out);
// Erases one otadata sector and writes an entry into it.
bool write_ota_entry(port::Flash& flash, const Partition& otadata, int sector, uint32_t seq,
                     OtaState state);

// The slot a seq boots.
int slot_of_seq(uint32_t seq, int slot_count);

// What esp_ota_get_boot_partition answers: the slot of the active entry, or 0.
int boot_slot(const OtaSelect& sel, int slot_count);

// Makes `slot` the next to boot, in state NEW, by writing the sector that does not hold the
// active entry, so a power cut during the write leaves the active entry untouched.
bool select_slot_for_boot(port::Flash& flash, const Partition& otadata, int slot, int slot_count);

}  // namespace vt132::core::boot
