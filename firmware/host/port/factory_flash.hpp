#pragma once
// A factory flash image for the sim when no `vt132-release factory` output is at hand: the
// VT132 partition table at 0x8000 (core vt132_default_partitions(), serialised by the
// core's own partition table code), blank otadata and the given app in app0. The 0x1000
// bootloader region stays erased: the sim's bootloader is code, not an image.
#include <cstdint>
#include <string>
#include <vector>

namespace vt132::hostport {

// False, with a message in `error`, when the app does not fit app0.
bool factory_flash_with_app(const std::vector<uint8_t>& app_image, std::vector<uint8_t>& flash,
                            std::string& error);

}  // namespace vt132::hostport
