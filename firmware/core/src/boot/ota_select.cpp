#include "vt132/core/boot/ota_select.hpp"

namespace vt132::core::boot {

bool read_ota_select(port::Flash& flash, const PartitionEntry& otadata, OtaSelect& out) {
  for (int i = 0; i < 2; ++i) {
    uint8_t e[kOtaSelectEntrySize];
    if (!flash.read(otadata.offset + static_cast<uint32_t>(i) * port::kFlashSectorSize, e, sizeof e)) return false;
    if (!decode_ota_entry(ByteView{e, sizeof e}, out.sector[i])) return false;
  }
  return true;
}

bool write_ota_entry(port::Flash& flash, const PartitionEntry& otadata, int sector, const OtaSelectEntry& entry) {
  uint8_t e[kOtaSelectEntrySize];
  encode_ota_entry(entry, e);
  const uint32_t addr = otadata.offset + static_cast<uint32_t>(sector) * port::kFlashSectorSize;
  return flash.erase_sector(addr) && flash.write(addr, e, sizeof e);
}

int boot_slot(const OtaSelect& sel, int slot_count) {
  const OtaActive a = pick_boot_entry(sel.sector);
  return a.found() ? static_cast<int>(slot_for_seq(a.entry.ota_seq, static_cast<uint32_t>(slot_count))) : 0;
}

bool select_slot_for_boot(port::Flash& flash, const PartitionEntry& otadata, int slot, int slot_count) {
  OtaSelect sel;
  if (!read_ota_select(flash, otadata, sel)) return false;
  OtaSelectPlan plan;
  if (next_select(pick_boot_entry(sel.sector), static_cast<uint32_t>(slot), static_cast<uint32_t>(slot_count), plan) !=
      OtaError::Ok) {
    return false;
  }
  return write_ota_entry(flash, otadata, plan.sector, plan.entry);
}

}  // namespace vt132::core::boot
