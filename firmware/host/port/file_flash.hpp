#pragma once
// A 4 MiB SPI flash kept in a file, with NOR rules (erase to 0xFF in 4 KiB sectors, writes
// only clear bits) and a power-cut fault: the Nth erase or write leaves its sector garbage
// and the process dies on the spot, like a board losing power.
#include <cstdint>
#include <string>

#include "vt132/core/partition_table.hpp"
#include "vt132/core/port/flash.hpp"

namespace vt132::hostport {

constexpr uint32_t kFlashSize = core::kVt132FlashSize;
constexpr int kPowerCutExitCode = 75;

class FileFlash : public core::port::Flash {
 public:
  // Opens (or creates, erased) the flash file; exits with a message when it cannot.
  explicit FileFlash(const std::string& path);
  ~FileFlash() override;

  uint32_t size() const override { return kFlashSize; }
  bool read(uint32_t addr, void* out, size_t len) override;
  bool erase_sector(uint32_t addr) override;
  bool write(uint32_t addr, const void* data, size_t len) override;

  // 0: never. Operations are counted from 1 since the process started.
  void power_cut_after(uint64_t n) { cut_after_ = n; }
  uint64_t operations() const { return ops_; }

 private:
  bool in_range(uint32_t addr, size_t len) const { return addr <= kFlashSize && len <= kFlashSize - addr; }
  void count_operation(uint32_t sector_addr);

  int fd_ = -1;
  uint64_t ops_ = 0;
  uint64_t cut_after_ = 0;
};

}  // namespace vt132::hostport
