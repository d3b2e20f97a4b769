#pragma once
// Writes a downloaded image into an OTA slot as it arrives, one 4 KiB sector at a time:
// each sector is erased just before its first write (like OTA_WITH_SEQUENTIAL_WRITES), so
// a download needs no up-front 1.25 MiB erase and flash is touched in order.
#include <cstddef>
#include <cstdint>

#include "vt132/core/partition_table.hpp"
#include "vt132/core/port/flash.hpp"

namespace vt132::core::boot {

class SlotWriter {
 public:
  // page must hold kFlashSectorSize bytes and outlive the writer.
  SlotWriter(port::Flash& flash, uint8_t* page) : flash_(flash), page_(page) {}
  // Begins writing at the start of `slot` (which must outlive the writing).
  void start(const PartitionEntry& slot);

  // False on a flash error or when the data would run past the slot.
  bool write(const uint8_t* data, size_t len);
  // Writes the last, partial sector.
  bool flush();
  size_t written() const { return written_; }

 private:
  bool write_page();

  port::Flash& flash_;
  const PartitionEntry* slot_ = nullptr;
  uint8_t* page_;
  size_t page_len_ = 0;
  size_t written_ = 0;  // bytes accepted, including those still in the page
};

}  // namespace vt132::core::boot
