#pragma once
// The flashing bundle: FIRMWARE.zip, what a release carries for first-time serial flashing
// with esptool. It holds
//   bootloader.bin         the second-stage bootloader, for 0x1000
//   partition-table.bin    the binary table, for 0x8000
//   ota_data_initial.bin   erased otadata (when the table has one), so the first app boots
//   <app asset name>       the app, for the factory partition or else ota_0
//   <app stem>-factory.bin the whole flash in one file (`vt132-release factory`), for 0x0
//   flash_args             esptool's `write_flash @flash_args` file, as ESP-IDF writes it
//   FLASHING.md            the steps, written from the same offsets and sizes
// The zip is deterministic: the same inputs give the same bytes (fixed times and modes, a
// fixed order), so rebuilding a release reproduces it.
#include <cstdint>
#include <string>
#include <vector>

#include "vt132/core/partition_table.hpp"

namespace vt132::host {

constexpr const char* kFlashBundleAssetName = "FIRMWARE.zip";

// esptool's names for the flash settings in a bootloader's image header.
struct FlashSettings {
  std::string mode;       // "dio"
  std::string frequency;  // "80m"
  std::string size_name;  // "4MB"
  uint32_t size = 0;      // bytes
};

// Checks `bytes` as an ESP32 second-stage bootloader (image magic 0xE9, segments, checksum,
// chip esp32, no app descriptor, fits below the partition table at 0x8000) and returns the
// flash settings its header carries. Error names `what` and the problem.
FlashSettings check_bootloader(const std::vector<uint8_t>& bytes, const std::string& what);

struct FlashBundleInputs {
  std::vector<uint8_t> bootloader;  // checked with check_bootloader
  core::PartitionTable table;       // checked against the bootloader's flash size
  std::vector<uint8_t> app;
  std::string app_name = "VT132.bin";
  std::string version;  // shown in FLASHING.md
};

struct FlashBundleFile {
  std::string name;
  uint32_t offset;  // where esptool writes it
  std::vector<uint8_t> bytes;
};

struct FlashBundle {
  FlashSettings settings;
  std::vector<FlashBundleFile> parts;  // the files flash_args names, by offset
  FlashBundleFile factory;             // the whole flash, for offset 0
  std::string flash_args;
  std::string flashing_md;
  std::vector<uint8_t> zip;
};

// Builds every file and the zip holding them. Throws Error for an input that cannot boot.
FlashBundle build_flash_bundle(const FlashBundleInputs& in);

}  // namespace vt132::host
