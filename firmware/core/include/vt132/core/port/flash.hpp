#pragma once
// SPI flash as esp_flash_* / esp_partition_* see it: byte reads, 4 KiB sector erases to
// 0xFF, writes that can only clear bits. Addresses are absolute flash offsets.
#include <cstddef>
#include <cstdint>

namespace vt132::core::port {

constexpr uint32_t kFlashSectorSize = 4096;

class Flash {
 public:
  virtual ~Flash() = default;
  virtual uint32_t size() const = 0;
  virtual bool read(uint32_t addr, void* out, size_t len) = 0;
  // addr must be sector aligned.
  virtual bool erase_sector(uint32_t addr) = 0;
  // The written range must have been erased since it was last written (NOR flash rule).
  virtual bool write(uint32_t addr, const void* data, size_t len) = 0;
};

}  // namespace vt132::core::port
