#include "vt132/core/boot/partition_map.hpp"

#include <cstring>

namespace vt132::core::boot {

const Partition* PartitionMap::ota_app(int index) const {
  for (size_t i = 0; i < count; ++i) {
    if (entries[i].type == kPartTypeApp && entries[i].subtype == kAppSubtypeOta0 + index) return &entries[i];
  }
  return nullptr;
}

int PartitionMap::ota_app_count() const {
  int n = 0;
  while (n < 16 && ota_app(n)) ++n;
  return n;
}

const Partition* PartitionMap::otadata() const {
  for (size_t i = 0; i < count; ++i) {
    if (entries[i].type == kPartTypeData && entries[i].subtype == kDataSubtypeOta) return &entries[i];
  }
  return nullptr;
}

namespace {
// Large for a stack, so kept out of it; read_partition_map runs once per boot.
struct TableWork {
  uint8_t area[kPartitionTableSize];
  PartitionTable table;
};
TableWork g_work;
}  // namespace

bool read_partition_map(port::Flash& flash, PartitionMap& out) {
  out.count = 0;
  PartitionProblem problem;
  if (!flash.read(kPartitionTableOffset, g_work.area, sizeof g_work.area) ||
      parse_partition_table(ByteView{g_work.area, sizeof g_work.area}, g_work.table, problem) != PartitionError::Ok ||
      validate_partition_table(g_work.table, flash.size(), problem) != PartitionError::Ok ||
      g_work.table.count > kMaxMapPartitions) {
    return false;
  }
  for (size_t i = 0; i < g_work.table.count; ++i) {
    const PartitionEntry& e = g_work.table.entries[i];
    Partition& p = out.entries[out.count++];
    p.type = e.type;
    p.subtype = e.subtype;
    p.offset = e.offset;
    p.size = e.size;
    std::memcpy(p.label, e.label, sizeof p.label);
  }
  return out.otadata() != nullptr && out.ota_app_count() >= 2;
}

}  // namespace vt132::core::boot
