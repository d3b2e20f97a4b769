#include "vt132/core/boot/slot_image.hpp"

namespace vt132::core::boot {

SlotImage check_slot_image(port::Flash& flash, const PartitionEntry& slot, int expected_chip) {
  SlotImage result;
  ImagePolicy policy;
  policy.max_size = slot.size;
  policy.expected_chip = expected_chip;
  ImageStream stream(policy);
  uint8_t buf[512];
  for (uint32_t pos = 0; pos < slot.size && stream.stage() != ImageStage::Done; pos += sizeof buf) {
    const size_t n = slot.size - pos < sizeof buf ? slot.size - pos : sizeof buf;
    if (!flash.read(slot.offset + pos, buf, n)) return result;  // Truncated: unreadable
    const ImageError e = stream.feed(buf, n);
    if (e != ImageError::Ok && e <= ImageError::TooLarge) break;  // structural: stop
  }
  // Whatever followed the image in the last buffer is not part of it: finish() judges the
  // image alone.
  result.error = stream.finish();
  if (result.error == ImageError::Ok && stream.stage() != ImageStage::Done) result.error = ImageError::Truncated;
  result.app = stream.info().app;
  return result;
}

bool read_slot_descriptor(port::Flash& flash, const PartitionEntry& slot, AppDescriptor& out) {
  ImagePolicy policy;
  policy.max_size = slot.size;
  policy.require_hash = false;
  ImageStream stream(policy);
  uint8_t buf[512];
  // ImageStream decodes the descriptor when segment 0 ends, so read that far.
  for (uint32_t pos = 0; pos < slot.size && !stream.info().has_app_desc; pos += sizeof buf) {
    if (!flash.read(slot.offset + pos, buf, sizeof buf)) return false;
    const ImageError e = stream.feed(buf, sizeof buf);
    if (e != ImageError::Ok && e <= ImageError::TooLarge) return false;
    if (stream.info().segment_count > 1 && !stream.info().has_app_desc) return false;
  }
  if (!stream.info().has_app_desc) return false;
  out = stream.info().app;
  return true;
}

}  // namespace vt132::core::boot
