#pragma once
// vt132-sim: boots the simulated board (bootloader, then the modem firmware) and runs it
// until stdin ends; SIGUSR1 presses the reset button.
#include <cstdint>
#include <string>
#include <vector>

#include "vt132/core/net/transfer_guard.hpp"

namespace vt132::hostport {

struct SimOptions {
  std::string flash;
  std::string init_factory;   // 4 MiB factory image to load into the flash file first
  std::string init_app;       // or: an app image to lay out as a factory flash
  std::string nvs;            // default: FLASH.nvs
  std::string efuse;          // default: FLASH.efuse
  std::vector<std::string> ca_files;
  std::string pubkey;         // when set, releases must carry a valid signature
  bool pty = false;
  uint64_t power_cut_after = 0;
  bool wifi_fail = false;
  bool crash_new_image = false;
  bool heap_log = false;
  bool flash_stats = false;
  uint32_t net_timeout_ms = 10000;
  core::TransferLimits transfer;  // the firmware's defaults unless set
  std::string asset_name = "VT132.bin";
  std::string mac;            // "24:0a:c4:..."; default: derived from the flash file's path
};

int run_simulator(const SimOptions& options);

}  // namespace vt132::hostport
