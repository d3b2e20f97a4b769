#pragma once
// A factory flash image for the sim when no `vt132-release factory` output is at hand: the
// VT132 partition table at 0x8000 (the Arduino-ESP32 default layout), blank otadata and
// the given app in app0. The 0x1000 bootloader region stays erased: the sim's bootloader
// is code, not an image.
#include <cstdint>
#include <vector>

namespace vt132::hostport {

std::vector<uint8_t> vt132_partition_table();
std::vector<uint8_t> factory_flash_with_app(const std::vector<uint8_t>& app_image);

}  // namespace vt132::hostport
