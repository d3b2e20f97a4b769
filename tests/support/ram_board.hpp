#pragma once
// A VT132 in RAM for in-process boot and OTA tests: the sim's factory flash (default
// partition table, the given app in app0, blank otadata) on a RamFlash, an eFuse
// anti-rollback counter, and the bootloader and OTA slots the sim runs.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "port/factory_flash.hpp"
#include "ram_flash.hpp"
#include "vt132/core/boot/bootloader.hpp"
#include "vt132/core/boot/flash_partition_table.hpp"
#include "vt132/core/port/system.hpp"
#include "vt132/host/image_builder.hpp"

namespace vt132::test {

struct RamEfuse : core::port::SecureCounter {
  uint32_t value = 0;
  uint32_t floor() override { return value; }
  void raise_to(uint32_t v) override { value = v > value ? v : value; }
};

// A VT132-shaped app image (six segments, app descriptor, appended SHA-256) of about `bytes`.
inline std::vector<uint8_t> app_image(const std::string& version, uint32_t secure_version = 0,
                                      uint32_t bytes = 40 * 1024) {
  host::ImageSpec spec;
  spec.version = version;
  spec.secure_version = secure_version;
  spec.segments = host::ImageSpec::vt132_like_segments(bytes);
  return host::build_image(spec);
}

struct RamBoard {
  RamFlash flash;
  RamEfuse efuse;
  core::PartitionTable table;

  explicit RamBoard(const std::vector<uint8_t>& app0) {
    std::vector<uint8_t> image;
    std::string error;
    REQUIRE(hostport::factory_flash_with_app(app0, image, error));
    flash.put(0, image.data(), image.size());
    REQUIRE(core::boot::read_partition_table(flash, table));
  }

  const core::PartitionEntry& slot(size_t index) const { return *core::find_ota_slot(table, index); }
  // Puts an image into a slot as a test wants it, without selecting it.
  void put(size_t index, const std::vector<uint8_t>& image) { flash.put(slot(index).offset, image.data(), image.size()); }
  core::boot::BootResult boot() { return core::boot::run_bootloader(flash, table, efuse); }
  // Resets the board and says what runs: "V1.1.0 app1".
  std::string boots() {
    const auto b = boot();
    return std::string(b.app.version) + " app" + std::to_string(b.slot);
  }
};

}  // namespace vt132::test
