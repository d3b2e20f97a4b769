#pragma once
// Partition tables as files (binary or ESP-IDF CSV) and the full flash image for first-time
// flashing, built on the core's one implementation of each format.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "vt132/core/partition_table.hpp"

namespace vt132::host {

constexpr uint32_t kBootloaderOffset = 0x1000;  // ESP32: the ROM loads the bootloader here
constexpr uint32_t kMinFlashSize = 1u << 20;      // the ESP32 flash sizes: 1 MB ...
constexpr uint32_t kMaxFlashSize = 128u << 20;    // ... to 128 MB

// Reads a partition table from a binary dump (starts with the 0x50AA entry magic) or an
// ESP-IDF CSV, checked against the flash size (0 = unbounded). Throws Error with the file
// name and the line or entry at fault.
core::PartitionTable load_partition_table(const std::filesystem::path& file, uint32_t flash_size);

std::vector<uint8_t> partition_table_binary(const core::PartitionTable& table);  // 0xC00 bytes
std::string partition_table_csv(const core::PartitionTable& table);

struct FactoryInputs {
  std::vector<uint8_t> bootloader;
  std::vector<uint8_t> app;
  core::PartitionTable table;
  uint32_t flash_size = core::kVt132FlashSize;
};

struct FactoryLayout {
  uint32_t app_offset;
  std::string app_partition;
};

// A flash image of flash_size bytes: bootloader at 0x1000, the table at 0x8000, otadata
// erased (so the bootloader starts the first OTA slot), the app in the factory partition if
// the table has one, else in ota_0, and 0xFF everywhere else: the same bytes as
// `esptool.py merge_bin --fill-flash-size` with an erased ota_data_initial.bin.
// Throws Error when an input is invalid or does not fit.
std::vector<uint8_t> build_factory_image(const FactoryInputs& in, FactoryLayout* layout = nullptr);

}  // namespace vt132::host
