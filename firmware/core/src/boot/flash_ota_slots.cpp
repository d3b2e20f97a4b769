#include "vt132/core/boot/flash_ota_slots.hpp"

#include <cstring>

#include "vt132/core/boot/ota_select.hpp"
#include "vt132/core/boot/slot_image.hpp"

namespace vt132::core::boot {

FlashOtaSlots::FlashOtaSlots(port::Flash& flash, const PartitionMap& map, port::SecureCounter& efuse,
                             const BootResult& boot)
    : flash_(flash), map_(map), efuse_(efuse), boot_(boot), writer_(flash, page_) {}

port::Slot FlashOtaSlots::slot(int index) const {
  port::Slot s;
  const Partition* p = map_.ota_app(index);
  if (!p) return s;
  s.index = index;
  std::memcpy(s.label, p->label, sizeof s.label);
  s.offset = p->offset;
  s.size = p->size;
  return s;
}

const Partition* FlashOtaSlots::partition(const port::Slot& s) const {
  const Partition* p = s.valid() ? map_.ota_app(s.index) : nullptr;
  return p && p->offset == s.offset && p->size == s.size ? p : nullptr;
}

port::Slot FlashOtaSlots::running() { return slot(boot_.slot); }

port::Slot FlashOtaSlots::boot() {
  OtaSelect sel;
  if (!read_ota_select(flash_, *map_.otadata(), sel)) return running();
  return slot(boot_slot(sel, map_.ota_app_count()));
}

port::Slot FlashOtaSlots::next_update() { return slot((boot_.slot + 1) % map_.ota_app_count()); }

bool FlashOtaSlots::describe(const port::Slot& s, AppDescriptor& out) {
  const Partition* p = partition(s);
  return p && read_slot_descriptor(flash_, *p, out);
}

bool FlashOtaSlots::read(const port::Slot& s, uint32_t offset, void* out, size_t len) {
  const Partition* p = partition(s);
  if (!p || offset > p->size || len > p->size - offset) return false;
  return flash_.read(p->offset + offset, out, len);
}

port::SlotError FlashOtaSlots::begin(const port::Slot& s, size_t image_size) {
  if (open_) return port::SlotError::Busy;
  const Partition* p = partition(s);
  // The running image is never overwritten, as esp_ota_begin refuses the running partition.
  if (!p || s.index == boot_.slot) return port::SlotError::NoSlot;
  if (image_size > p->size) return port::SlotError::TooLarge;
  writer_.start(*p);
  open_ = p;
  return port::SlotError::Ok;
}

port::SlotError FlashOtaSlots::write(const uint8_t* data, size_t len) {
  if (!open_) return port::SlotError::Busy;
  if (len > open_->size - writer_.written()) return port::SlotError::TooLarge;
  return writer_.write(data, len) ? port::SlotError::Ok : port::SlotError::Flash;
}

port::SlotError FlashOtaSlots::check_image(const Partition& part) {
  const SlotImage img = check_slot_image(flash_, part, kChipEsp32);
  return img.ok() && img.app.secure_version >= efuse_.floor() ? port::SlotError::Ok
                                                               : port::SlotError::InvalidImage;
}

port::SlotError FlashOtaSlots::end() {
  if (!open_) return port::SlotError::Busy;
  const Partition* p = open_;
  open_ = nullptr;
  if (!writer_.flush()) return port::SlotError::Flash;
  return check_image(*p);
}

void FlashOtaSlots::abort() { open_ = nullptr; }

port::SlotError FlashOtaSlots::set_boot(const port::Slot& s) {
  const Partition* p = partition(s);
  if (!p) return port::SlotError::NoSlot;
  const port::SlotError e = check_image(*p);
  if (e != port::SlotError::Ok) return e;
  return select_slot_for_boot(flash_, *map_.otadata(), s.index, map_.ota_app_count()) ? port::SlotError::Ok
                                                                                      : port::SlotError::Flash;
}

bool FlashOtaSlots::running_pending_verify() { return boot_.pending_verify; }

port::SlotError FlashOtaSlots::mark_running_valid() {
  if (!confirm_app(flash_, map_, boot_, efuse_)) return port::SlotError::Flash;
  boot_.pending_verify = false;
  return port::SlotError::Ok;
}

port::SlotError FlashOtaSlots::rollback() {
  if (!boot_.pending_verify) return port::SlotError::NotPending;
  const OtaSelectEntry invalid = make_ota_entry(boot_.entry_seq, OtaState::Invalid);
  if (!write_ota_entry(flash_, *map_.otadata(), boot_.entry_sector, invalid)) return port::SlotError::Flash;
  boot_.pending_verify = false;
  return port::SlotError::Ok;
}

}  // namespace vt132::core::boot
