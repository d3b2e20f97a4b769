#pragma once
// The partition table the bootloader and the host's OTA slots act on: read from flash at
// 0x8000, its encoding (MD5 included) and layout checked by core partition_table.hpp, and
// looked up with that header's find_ota_slot / find_otadata / ota_app_count.
#include "vt132/core/partition_table.hpp"
#include "vt132/core/port/flash.hpp"

namespace vt132::core::boot {

// False when the table cannot be read, does not parse or validate, or lacks otadata or two
// OTA slots (out.count is then 0). `out` is about 3.5 KiB: callers keep it static or in a
// long-lived object, not on a small stack. Not reentrant: the raw area is read into a
// static buffer, which is fine for a table read once per boot.
bool read_partition_table(port::Flash& flash, PartitionTable& out);

}  // namespace vt132::core::boot
