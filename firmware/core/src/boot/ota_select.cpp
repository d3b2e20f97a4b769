#include "vt132/core/boot/ota_select.hpp"

#include <cstring>

#include "vt132/core/bytes.hpp"

namespace vt132::core::boot {
namespace {
constexpr size_t kEntrySize = 32;
constexpr uint32_t kUnset = 0xFFFFFFFF;
}  // namespace

uint32_t ota_seq_crc(uint32_t seq) {
  uint8_t b[4];
  store_le32(b, seq);
  // zlib.crc32(data, 0xFFFFFFFF) inverts on entry and exit: the register starts at 0.
  uint32_t crc = 0;
  for (uint8_t byte : b) {
    crc ^= byte;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

bool OtaEntry::valid() const {
  if (seq == kUnset || crc != ota_seq_crc(seq)) return false;
  return state != static_cast<uint32_t>(OtaState::Invalid) &&
         state != static_cast<uint32_t>(OtaState::Aborted);
}

int OtaSelect::active() const {
  const bool v0 = sector[0].valid();
  const bool v1 = sector[1].valid();
  if (v0 && v1) return sector[0].seq >= sector[1].seq ? 0 : 1;
  if (v0) return 0;
  if (v1) return 1;
  return -1;
}

bool read_ota_select(port::Flash& flash, const Partition& otadata, OtaSelect& out) {
  for (int i = 0; i < 2; ++i) {
    uint8_t e[kEntrySize];
    if (!flash.read(otadata.offset + i * port::kFlashSectorSize, e, sizeof e)) return false;
    out.sector[i].seq = load_le32(e);
    out.sector[i].state = load_le32(e + 24);
    out.sector[i].crc = load_le32(e + 28);
  }
  return true;
}

bool write_ota_entry(port::Flash& flash, const Partition& otadata, int sector, uint32_t seq,
                     OtaState state) {
  uint8_t e[kEntrySize];
  std::memset(e, 0xFF, sizeof e);
  store_le32(e, seq);
  store_le32(e + 24, static_cast<uint32_t>(state));
  store_le32(e + 28, ota_seq_crc(seq));
  const uint32_t addr = otadata.offset + static_cast<uint32_t>(sector) * port::kFlashSectorSize;
  return flash.erase_sector(addr) && flash.write(addr, e, sizeof e);
}

int slot_of_seq(uint32_t seq, int slot_count) {
  return static_cast<int>((seq - 1) % static_cast<uint32_t>(slot_count));
}

int boot_slot(const OtaSelect& sel, int slot_count) {
  const int a = sel.active();
  return a < 0 ? 0 : slot_of_seq(sel.sector[a].seq, slot_count);
}

bool select_slot_for_boot(port::Flash& flash, const Partition& otadata, int slot, int slot_count) {
  OtaSelect sel;
  if (!read_ota_select(flash, otadata, sel)) return false;
  const int a = sel.active();
  uint32_t seq = a < 0 ? 1 : sel.sector[a].seq + 1;
  while (slot_of_seq(seq, slot_count) != slot) ++seq;
  const int target = a < 0 ? 0 : 1 - a;
  return write_ota_entry(flash, otadata, target, seq, OtaState::New);
}

}  // namespace vt132::core::boot
