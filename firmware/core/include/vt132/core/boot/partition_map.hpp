#pragma once
// The partitions the bootloader and the OTA code need, taken from the table at 0x8000
// after core partition_table.hpp has checked its encoding (MD5 included) and layout.
#include <cstddef>
#include <cstdint>

#include "vt132/core/partition_table.hpp"
#include "vt132/core/port/flash.hpp"

namespace vt132::core::boot {

constexpr size_t kMaxMapPartitions = 16;  // the VT132 layout has 5

struct Partition {
  char label[17] = {};
  uint8_t type = 0;
  uint8_t subtype = 0;
  uint32_t offset = 0;
  uint32_t size = 0;
  uint32_t last() const { return offset + size - 1; }
};

struct PartitionMap {
  Partition entries[kMaxMapPartitions];
  size_t count = 0;

  const Partition* ota_app(int index) const;  // app/ota_<index>
  int ota_app_count() const;
  const Partition* otadata() const;
};

// False when the table does not parse or validate, or lacks otadata or two OTA slots.
bool read_partition_map(port::Flash& flash, PartitionMap& out);

}  // namespace vt132::core::boot
