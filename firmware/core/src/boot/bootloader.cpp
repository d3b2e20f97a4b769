#include "vt132/core/boot/bootloader.hpp"

#include "vt132/core/boot/ota_select.hpp"
#include "vt132/core/boot/slot_image.hpp"

namespace vt132::core::boot {
namespace {

bool bootable(const SlotImage& img, port::SecureCounter& efuse) {
  return img.ok() && img.app.secure_version >= efuse.floor();
}

BootResult booted(const PartitionMap& map, int slot, const SlotImage& img) {
  BootResult r;
  r.booted = true;
  r.slot = slot;
  r.partition = map.ota_app(slot);
  r.app = img.app;
  return r;
}

}  // namespace

BootResult run_bootloader(port::Flash& flash, const PartitionMap& map, port::SecureCounter& efuse) {
  const Partition* otadata = map.otadata();
  const int slots = map.ota_app_count();
  bool rolled_back = false;
  // Each pass retires one entry, so two sectors need at most two passes before the fallback.
  for (int pass = 0; pass < 3; ++pass) {
    OtaSelect sel;
    if (!read_ota_select(flash, *otadata, sel)) break;
    const int a = sel.active();
    if (a < 0) break;
    const OtaSelectEntry e = sel.sector[a];
    if (e.ota_state == state_value(OtaState::PendingVerify)) {
      write_ota_entry(flash, *otadata, a, with_state(e, OtaState::Aborted));
      rolled_back = true;
      continue;
    }
    const int slot = static_cast<int>(slot_for_seq(e.ota_seq, static_cast<uint32_t>(slots)));
    const SlotImage img = check_slot_image(flash, *map.ota_app(slot), kChipEsp32);
    if (!bootable(img, efuse)) {
      write_ota_entry(flash, *otadata, a, with_state(e, OtaState::Invalid));
      rolled_back = true;
      continue;
    }
    BootResult r = booted(map, slot, img);
    r.entry_sector = a;
    r.entry_seq = e.ota_seq;
    r.rolled_back = rolled_back;
    if (e.ota_state == state_value(OtaState::New)) {
      write_ota_entry(flash, *otadata, a, with_state(e, OtaState::PendingVerify));
      r.pending_verify = true;
    }
    return r;
  }
  for (int slot = 0; slot < slots; ++slot) {
    const SlotImage img = check_slot_image(flash, *map.ota_app(slot), kChipEsp32);
    if (bootable(img, efuse)) {
      BootResult r = booted(map, slot, img);
      r.rolled_back = rolled_back;
      return r;
    }
  }
  BootResult none;
  none.rolled_back = rolled_back;
  return none;
}

bool confirm_app(port::Flash& flash, const PartitionMap& map, const BootResult& boot,
                 port::SecureCounter& efuse) {
  if (boot.pending_verify &&
      !write_ota_entry(flash, *map.otadata(), boot.entry_sector, make_ota_entry(boot.entry_seq, OtaState::Valid))) {
    return false;
  }
  if (boot.app.secure_version > efuse.floor()) efuse.raise_to(boot.app.secure_version);
  return true;
}

}  // namespace vt132::core::boot
