#include "vt132/core/boot/bootloader.hpp"

#include "vt132/core/boot/ota_select.hpp"
#include "vt132/core/boot/slot_image.hpp"

namespace vt132::core::boot {
namespace {

struct Disk {
  port::Flash& flash;
  const PartitionTable& table;
  port::SecureCounter& efuse;
};

bool disk_slot_bootable(void* context, uint32_t slot) {
  const Disk& d = *static_cast<const Disk*>(context);
  const PartitionEntry* part = find_ota_slot(d.table, slot);
  return part && slot_bootable(d.flash, *part, d.efuse);
}

}  // namespace

bool slot_bootable(port::Flash& flash, const PartitionEntry& slot, port::SecureCounter& efuse) {
  const SlotImage img = check_slot_image(flash, slot, kBootChip);
  return img.ok() && img.app.secure_version >= efuse.floor();
}

BootResult run_bootloader(port::Flash& flash, const PartitionTable& table, port::SecureCounter& efuse) {
  BootResult r;
  const PartitionEntry* otadata = find_otadata(table);
  OtaSelect sel;
  if (!otadata || !read_ota_select(flash, *otadata, sel)) return r;
  Disk disk{flash, table, efuse};
  const OtaBootDecision d =
      decide_boot(sel.sector, static_cast<uint32_t>(ota_app_count(table)), disk_slot_bootable, &disk);
  for (int s = 0; s < 2; ++s) {
    if (d.rewrite[s] && !write_ota_entry(flash, *otadata, s, d.rewritten[s])) r.otadata_write_failed = true;
  }
  r.rolled_back = d.rolled_back;
  if (d.slot == kNoOtaSlot) return r;
  const PartitionEntry* part = find_ota_slot(table, d.slot);
  // The decision judged this image bootable; its descriptor is in the first few hundred
  // bytes. A read failing now is a flash fault: no boot, as a load failure on the board.
  if (!read_slot_descriptor(flash, *part, r.app)) return r;
  r.booted = true;
  r.slot = static_cast<int>(d.slot);
  r.partition = part;
  r.entry_sector = d.sector;
  r.entry_seq = d.entry.ota_seq;
  r.pending_verify = d.pending_verify();
  if (d.entry.ota_state == state_value(OtaState::Valid) && r.app.secure_version > efuse.floor()) {
    efuse.raise_to(r.app.secure_version);
  }
  return r;
}

}  // namespace vt132::core::boot
