#pragma once
// The partitions the bootloader and the OTA code need, read from the table at 0x8000.
//
// A deliberately small reader: core partition_table.hpp (the one implementation of the
// format, shared with the tools) was still an empty placeholder when this was written, so
// this reads only the 32-byte entries and does not check the MD5 entry.
#include <cstddef>
#include <cstdint>

#include "vt132/core/port/flash.hpp"

namespace vt132::core::boot {

constexpr uint32_t kPartitionTableOffset = 0x8000;
constexpr size_t kMaxPartitions = 16;
constexpr uint8_t kPartTypeApp = 0x00;
constexpr uint8_t kPartTypeData = 0x01;
constexpr uint8_t kSubtypeOta0 = 0x10;
constexpr uint8_t kSubtypeDataOta = 0x00;

struct Partition {
  char label[17] = {};
  uint8_t type = 0;
  uint8_t subtype = 0;
  uint32_t offset = 0;
  uint32_t size = 0;
  uint32_t last() const { return offset + size - 1; }
};

struct PartitionMap {
  Partition entries[kMaxPartitions];
  size_t count = 0;

  const Partition* ota_app(int index) const;  // app/ota_<index>
  int ota_app_count() const;
  const Partition* otadata() const;
};

// False when there is no table, or no otadata and no OTA app partition in it.
bool read_partition_map(port::Flash& flash, PartitionMap& out);

}  // namespace vt132::core::boot
