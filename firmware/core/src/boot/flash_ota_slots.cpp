#include "vt132/core/boot/flash_ota_slots.hpp"

#include <cstring>

#include "vt132/core/boot/ota_select.hpp"
#include "vt132/core/boot/slot_image.hpp"

namespace vt132::core::boot {

FlashOtaSlots::FlashOtaSlots(port::Flash& flash, const PartitionTable& table, port::SecureCounter& efuse,
                             const BootResult& boot)
    : flash_(flash), table_(table), efuse_(efuse), boot_(boot), writer_(flash, page_) {}

port::Slot FlashOtaSlots::slot(int index) const {
  port::Slot s;
  const PartitionEntry* p = index >= 0 ? find_ota_slot(table_, static_cast<size_t>(index)) : nullptr;
  if (!p) return s;
  s.index = index;
  std::memcpy(s.label, p->label, sizeof s.label);
  s.offset = p->offset;
  s.size = p->size;
  return s;
}

// The slot's partition, if the caller's description still matches the table.
const PartitionEntry* FlashOtaSlots::partition(const port::Slot& s) const {
  const PartitionEntry* p = s.valid() ? find_ota_slot(table_, static_cast<size_t>(s.index)) : nullptr;
  return p && p->offset == s.offset && p->size == s.size ? p : nullptr;
}

port::Slot FlashOtaSlots::running() { return slot(boot_.slot); }

port::Slot FlashOtaSlots::boot() {
  OtaSelect sel;
  if (!read_ota_select(flash_, *find_otadata(table_), sel)) return running();
  return slot(boot_slot(sel, static_cast<int>(ota_app_count(table_))));
}

port::Slot FlashOtaSlots::next_update() {
  return slot((boot_.slot + 1) % static_cast<int>(ota_app_count(table_)));
}

bool FlashOtaSlots::describe(const port::Slot& s, AppDescriptor& out) {
  const PartitionEntry* p = partition(s);
  return p && read_slot_descriptor(flash_, *p, out);
}

bool FlashOtaSlots::read(const port::Slot& s, uint32_t offset, void* out, size_t len) {
  const PartitionEntry* p = partition(s);
  if (!p || offset > p->size || len > p->size - offset) return false;
  return flash_.read(p->offset + offset, out, len);
}

port::SlotError FlashOtaSlots::begin(const port::Slot& s, size_t image_size) {
  if (open_) return port::SlotError::Busy;
  const PartitionEntry* p = partition(s);
  // The running image is never overwritten, as esp_ota_begin refuses the running partition.
  if (!p || s.index == boot_.slot) return port::SlotError::NoSlot;
  // A new image on probation must confirm itself before it may replace the other one: with
  // rollback pending, that other one is what the bootloader falls back to.
  if (boot_.pending_verify) return port::SlotError::Busy;
  if (image_size > p->size) return port::SlotError::TooLarge;
  writer_.start(*p);
  open_ = p;
  failed_ = false;
  return port::SlotError::Ok;
}

port::SlotError FlashOtaSlots::write(const uint8_t* data, size_t len) {
  if (!open_) return port::SlotError::Busy;
  if (failed_) return port::SlotError::Flash;
  if (len > open_->size - writer_.written()) return port::SlotError::TooLarge;
  if (writer_.write(data, len)) return port::SlotError::Ok;
  failed_ = true;
  return port::SlotError::Flash;
}

port::SlotError FlashOtaSlots::check_image(const PartitionEntry& part) {
  return slot_bootable(flash_, part, efuse_) ? port::SlotError::Ok : port::SlotError::InvalidImage;
}

port::SlotError FlashOtaSlots::end() {
  if (!open_) return port::SlotError::Busy;
  // Closed whatever the outcome, as esp_ota_end frees its handle either way.
  const PartitionEntry* p = open_;
  open_ = nullptr;
  if (failed_ || !writer_.flush()) return port::SlotError::Flash;
  return check_image(*p);
}

void FlashOtaSlots::abort() { open_ = nullptr; }

port::SlotError FlashOtaSlots::set_boot(const port::Slot& s) {
  const PartitionEntry* p = partition(s);
  if (!p) return port::SlotError::NoSlot;
  const port::SlotError e = check_image(*p);
  if (e != port::SlotError::Ok) return e;
  return select_slot_for_boot(flash_, *find_otadata(table_), s.index, static_cast<int>(ota_app_count(table_)))
             ? port::SlotError::Ok
             : port::SlotError::Flash;
}

bool FlashOtaSlots::running_pending_verify() { return boot_.pending_verify; }

// Rewrites, in place, the entry that selected the running image (the bootloader made it
// PENDING_VERIFY on this boot); its seq and CRC stay.
port::SlotError FlashOtaSlots::write_running_entry(OtaState state) {
  if (!write_ota_entry(flash_, *find_otadata(table_), boot_.entry_sector, make_ota_entry(boot_.entry_seq, state))) {
    return port::SlotError::Flash;
  }
  boot_.pending_verify = false;
  return port::SlotError::Ok;
}

port::SlotError FlashOtaSlots::mark_running_valid() {
  if (boot_.pending_verify) {
    const port::SlotError e = write_running_entry(OtaState::Valid);
    if (e != port::SlotError::Ok) return e;
  }
  if (boot_.app.secure_version > efuse_.floor()) efuse_.raise_to(boot_.app.secure_version);
  return port::SlotError::Ok;
}

bool FlashOtaSlots::other_slot_bootable() {
  const size_t count = ota_app_count(table_);
  for (size_t i = 0; i < count; ++i) {
    if (static_cast<int>(i) != boot_.slot && check_image(*find_ota_slot(table_, i)) == port::SlotError::Ok) {
      return true;
    }
  }
  return false;
}

port::SlotError FlashOtaSlots::rollback() {
  if (!boot_.pending_verify) return port::SlotError::NotPending;
  // Marking the only bootable image invalid would leave the bootloader nothing to boot but
  // it again, by its fallback scan: refused, as esp_ota_check_rollback_is_possible does.
  if (!other_slot_bootable()) return port::SlotError::NoSlot;
  return write_running_entry(OtaState::Invalid);
}

}  // namespace vt132::core::boot
