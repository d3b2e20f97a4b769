#include "vt132/core/boot/slot_writer.hpp"

#include <cstring>

namespace vt132::core::boot {

void SlotWriter::start(const PartitionEntry& slot) {
  slot_ = &slot;
  page_len_ = 0;
  written_ = 0;
}

bool SlotWriter::write_page() {
  const uint32_t addr = slot_->offset + static_cast<uint32_t>(written_ - page_len_);
  if (!flash_.erase_sector(addr) || !flash_.write(addr, page_, page_len_)) return false;
  page_len_ = 0;
  return true;
}

bool SlotWriter::write(const uint8_t* data, size_t len) {
  if (!slot_ || len > slot_->size - written_) return false;
  while (len > 0) {
    const size_t n = len < port::kFlashSectorSize - page_len_ ? len : port::kFlashSectorSize - page_len_;
    std::memcpy(page_ + page_len_, data, n);
    page_len_ += n;
    written_ += n;
    data += n;
    len -= n;
    if (page_len_ == port::kFlashSectorSize && !write_page()) return false;
  }
  return true;
}

bool SlotWriter::flush() { return slot_ && (page_len_ == 0 || write_page()); }

}  // namespace vt132::core::boot
