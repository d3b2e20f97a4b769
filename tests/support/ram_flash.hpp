#pragma once
// SPI NOR flash in RAM for in-process tests, in the MCUboot simulator's style: the same boot
// and update code runs on it, and a power cut can be set at any erase or write.
//
// NOR rules: erase_sector sets a 4 KiB sector to 0xFF; a write can only clear bits. A write
// that would set a bit is a bug in the code under test (it forgot an erase): the test fails.
//
// Power cut at operation N (erases and writes count, reads do not, from 1):
//   - a cut write programs the first half of its bytes (len / 2) and leaves the rest as it was;
//   - a cut erase sets the first half of the sector to 0xFF and leaves the rest as it was;
//   - the cut operation and every one after it fail (return false) and change nothing, as
//     nothing runs on a board without power. Reads still answer, so the code under test can
//     unwind; power_on() models the reset.
// Real flash leaves an interrupted sector undefined; a half-done operation is one such state,
// and the one that most looks valid (a prefix of the right bytes, an entry half erased).
#include <doctest/doctest.h>

#include <cstdint>
#include <cstring>
#include <ios>
#include <vector>

#include "vt132/core/port/flash.hpp"

namespace vt132::test {

class RamFlash : public core::port::Flash {
 public:
  static constexpr uint32_t kSector = core::port::kFlashSectorSize;

  explicit RamFlash(uint32_t size = 4u << 20) : mem_(size, 0xFF), dirty_(size / kSector, false) {}

  uint32_t size() const override { return static_cast<uint32_t>(mem_.size()); }

  bool read(uint32_t addr, void* out, size_t len) override {
    if (!in_range(addr, len)) return false;
    std::memcpy(out, mem_.data() + addr, len);
    return true;
  }

  bool erase_sector(uint32_t addr) override {
    if (addr % kSector != 0 || !in_range(addr, kSector) || !power_for_one_more()) return false;
    touch(addr, kSector);
    std::memset(mem_.data() + addr, 0xFF, cutting() ? kSector / 2 : kSector);
    return finish();
  }

  bool write(uint32_t addr, const void* data, size_t len) override {
    if (!in_range(addr, len) || !power_for_one_more()) return false;
    const auto* in = static_cast<const uint8_t*>(data);
    const size_t bad = first_bit_set(mem_.data() + addr, in, len);
    if (bad != len) {
      FAIL_CHECK("flash write at 0x" << std::hex << addr + bad << " sets bits that are not erased");
      return false;
    }
    touch(addr, len);
    std::memcpy(mem_.data() + addr, in, cutting() ? len / 2 : len);
    return finish();
  }

  // Cuts power at the n-th erase or write from now (n >= 1); 0: never.
  void cut_at(uint64_t n) { cut_at_ = n == 0 ? 0 : ops_ + n; }
  // Power is back: operations succeed again. The counter keeps running.
  void power_on() {
    cut_at_ = 0;
    off_ = false;
  }
  bool power_cut() const { return off_; }
  // Erases and writes attempted so far, counting the cut one.
  uint64_t operations() const { return ops_; }

  const std::vector<uint8_t>& bytes() const { return mem_; }
  // Sets bytes as a test wants them, outside the NOR rules and the operation count (to lay
  // out a factory image, or to damage one).
  void put(uint32_t addr, const void* data, size_t len) {
    REQUIRE(in_range(addr, len));
    touch(addr, len);
    std::memcpy(mem_.data() + addr, data, len);
  }

  // Snapshots are cheap to restore: restore() copies back only the sectors written since.
  struct Snapshot {
    std::vector<uint8_t> mem;
  };
  Snapshot snapshot() {
    std::fill(dirty_.begin(), dirty_.end(), false);
    return Snapshot{mem_};
  }
  // Sectors changed (written, erased or put) since the last snapshot or restore: with the
  // snapshot, their contents say everything about the flash.
  std::vector<uint32_t> changed_sectors() const {
    std::vector<uint32_t> out;
    for (size_t i = 0; i < dirty_.size(); ++i) {
      if (dirty_[i]) out.push_back(static_cast<uint32_t>(i));
    }
    return out;
  }
  void restore(const Snapshot& s) {
    for (size_t i = 0; i < dirty_.size(); ++i) {
      if (!dirty_[i]) continue;
      std::memcpy(mem_.data() + i * kSector, s.mem.data() + i * kSector, kSector);
      dirty_[i] = false;
    }
    power_on();
  }

 private:
  // Index of the first byte of `in` with a bit that `old` has cleared, or len. Eight bytes
  // at a time: the sweep writes hundreds of megabytes.
  static size_t first_bit_set(const uint8_t* old, const uint8_t* in, size_t len) {
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
      uint64_t o, n;
      std::memcpy(&o, old + i, 8);
      std::memcpy(&n, in + i, 8);
      if ((o & n) != n) break;
    }
    for (; i < len; ++i) {
      if ((old[i] & in[i]) != in[i]) return i;
    }
    return len;
  }
  bool in_range(uint32_t addr, size_t len) const { return addr <= mem_.size() && len <= mem_.size() - addr; }
  // Counts the operation; false when power is already off.
  bool power_for_one_more() {
    if (off_) return false;
    ++ops_;
    return true;
  }
  bool cutting() const { return cut_at_ != 0 && ops_ == cut_at_; }
  bool finish() {
    if (!cutting()) return true;
    off_ = true;
    return false;
  }
  void touch(uint32_t addr, size_t len) {
    for (size_t s = addr / kSector; s <= (addr + len - 1) / kSector && len > 0; ++s) dirty_[s] = true;
  }

  std::vector<uint8_t> mem_;
  std::vector<bool> dirty_;  // sectors changed since the last snapshot
  uint64_t ops_ = 0;
  uint64_t cut_at_ = 0;
  bool off_ = false;
};

}  // namespace vt132::test
