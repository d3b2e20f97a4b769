#include "port/file_flash.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace vt132::hostport {

FileFlash::FileFlash(const std::string& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT, 0644);
  if (fd_ < 0) {
    std::fprintf(stderr, "vt132-sim: cannot open flash file %s: %s\n", path.c_str(), std::strerror(errno));
    std::exit(2);
  }
  const off_t size = ::lseek(fd_, 0, SEEK_END);
  if (size != static_cast<off_t>(kFlashSize)) {
    // A new (or wrongly sized) file becomes a blank chip.
    std::vector<uint8_t> blank(kFlashSize, 0xFF);
    if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, blank.data(), blank.size(), 0) != static_cast<ssize_t>(blank.size())) {
      std::fprintf(stderr, "vt132-sim: cannot initialise flash file %s\n", path.c_str());
      std::exit(2);
    }
  }
}

FileFlash::~FileFlash() {
  if (fd_ >= 0) ::close(fd_);
}

bool FileFlash::read(uint32_t addr, void* out, size_t len) {
  return in_range(addr, len) && ::pread(fd_, out, len, addr) == static_cast<ssize_t>(len);
}

void FileFlash::count_operation(uint32_t sector_addr) {
  ++ops_;
  if (cut_after_ == 0 || ops_ != cut_after_) return;
  // The interrupted operation leaves its sector in no defined state.
  uint8_t garbage[core::port::kFlashSectorSize];
  uint32_t x = static_cast<uint32_t>(ops_ * 2654435761u) | 1u;
  for (uint8_t& b : garbage) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    b = static_cast<uint8_t>(x);
  }
  if (::pwrite(fd_, garbage, sizeof garbage, sector_addr) != static_cast<ssize_t>(sizeof garbage)) {
    std::fprintf(stderr, "vt132-sim: power cut: cannot scramble sector\n");
  }
  std::fprintf(stderr, "vt132-sim: power cut during flash operation %llu (sector 0x%06x)\n",
               static_cast<unsigned long long>(ops_), sector_addr);
  std::fflush(stderr);
  ::_exit(kPowerCutExitCode);
}

bool FileFlash::erase_sector(uint32_t addr) {
  if (addr % core::port::kFlashSectorSize != 0 || !in_range(addr, core::port::kFlashSectorSize)) return false;
  count_operation(addr);
  uint8_t blank[core::port::kFlashSectorSize];
  std::memset(blank, 0xFF, sizeof blank);
  return ::pwrite(fd_, blank, sizeof blank, addr) == static_cast<ssize_t>(sizeof blank);
}

bool FileFlash::write(uint32_t addr, const void* data, size_t len) {
  if (!in_range(addr, len)) return false;
  count_operation(addr - addr % core::port::kFlashSectorSize);
  std::vector<uint8_t> old(len);
  if (!read(addr, old.data(), len)) return false;
  const auto* in = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < len; ++i) {
    if ((old[i] & in[i]) != in[i]) {
      // NOR flash cannot set bits: the caller forgot an erase. Real flash would store
      // old & new silently; refusing makes the bug visible in tests.
      std::fprintf(stderr, "vt132-sim: flash write at 0x%06zx sets bits that are not erased\n",
                   static_cast<size_t>(addr) + i);
      return false;
    }
  }
  return ::pwrite(fd_, data, len, addr) == static_cast<ssize_t>(len);
}

}  // namespace vt132::hostport
