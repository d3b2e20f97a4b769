#include "vt132/core/boot/flash_partition_table.hpp"

namespace vt132::core::boot {
namespace {
// 3 KiB is large for a task stack, so the raw area lives here; the table is read once per
// boot.
uint8_t g_area[kPartitionTableSize];
}  // namespace

bool read_partition_table(port::Flash& flash, PartitionTable& out) {
  PartitionProblem problem;
  const bool ok = flash.read(kPartitionTableOffset, g_area, sizeof g_area) &&
                  parse_partition_table(ByteView{g_area, sizeof g_area}, out, problem) == PartitionError::Ok &&
                  validate_partition_table(out, flash.size(), problem) == PartitionError::Ok &&
                  find_otadata(out) != nullptr && ota_app_count(out) >= 2;
  if (!ok) out.count = 0;
  return ok;
}

}  // namespace vt132::core::boot
