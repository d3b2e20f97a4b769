#pragma once
// Reading and checking the app image stored in an OTA slot, as the bootloader and the OTA
// finish step both must: the bytes in flash are what boots, not the bytes that streamed by.
#include <cstddef>
#include <cstdint>

#include "vt132/core/app_image.hpp"
#include "vt132/core/partition_table.hpp"
#include "vt132/core/port/flash.hpp"

namespace vt132::core::boot {

struct SlotImage {
  ImageError error = ImageError::Truncated;
  AppDescriptor app;
  bool ok() const { return error == ImageError::Ok; }
};

// Verifies the image at the start of `slot` (structure, checksum, appended SHA-256, chip),
// reading only as far as the image's own structure says it goes.
SlotImage check_slot_image(port::Flash& flash, const PartitionEntry& slot, int expected_chip);

// Reads only the app descriptor of the image in `slot` (what esp_ota_get_partition_description
// does); false when the slot does not start with an app image.
bool read_slot_descriptor(port::Flash& flash, const PartitionEntry& slot, AppDescriptor& out);

}  // namespace vt132::core::boot
