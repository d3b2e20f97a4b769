#include "vt132/core/boot/partition_map.hpp"

#include <cstring>

#include "vt132/core/bytes.hpp"

namespace vt132::core::boot {
namespace {
constexpr uint16_t kEntryMagic = 0x50AA;
constexpr size_t kEntrySize = 32;
}  // namespace

const Partition* PartitionMap::ota_app(int index) const {
  for (size_t i = 0; i < count; ++i) {
    if (entries[i].type == kPartTypeApp && entries[i].subtype == kSubtypeOta0 + index) return &entries[i];
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
    if (entries[i].type == kPartTypeData && entries[i].subtype == kSubtypeDataOta) return &entries[i];
  }
  return nullptr;
}

bool read_partition_map(port::Flash& flash, PartitionMap& out) {
  out.count = 0;
  uint8_t e[kEntrySize];
  for (size_t i = 0; i < kMaxPartitions; ++i) {
    if (!flash.read(kPartitionTableOffset + static_cast<uint32_t>(i * kEntrySize), e, sizeof e)) return false;
    if (load_le16(e) != kEntryMagic) break;
    Partition& p = out.entries[out.count++];
    p.type = e[2];
    p.subtype = e[3];
    p.offset = load_le32(e + 4);
    p.size = load_le32(e + 8);
    std::memcpy(p.label, e + 12, 16);
    p.label[16] = '\0';
  }
  return out.otadata() != nullptr && out.ota_app_count() >= 2;
}

}  // namespace vt132::core::boot
