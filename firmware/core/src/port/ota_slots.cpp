#include "vt132/core/port/ota_slots.hpp"

namespace vt132::core::port {

const char* describe(SlotError error) {
  switch (error) {
    case SlotError::Ok: return "ok";
    case SlotError::NoSlot: return "no such OTA slot";
    case SlotError::Busy: return "an update is already open, or none is";
    case SlotError::TooLarge: return "the image does not fit the slot";
    case SlotError::Flash: return "flash read, erase or write failed";
    case SlotError::InvalidImage: return "the slot holds no bootable app image";
    case SlotError::NotPending: return "the running image is not awaiting verification";
  }
  return "unknown error";
}

}  // namespace vt132::core::port
