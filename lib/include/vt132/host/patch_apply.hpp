#pragma once
// Applies a delta patch on the host with the firmware core's streaming applier, the very code
// a device runs, fed in chunks as a download would feed it.
#include <cstdint>
#include <vector>

namespace vt132::host {

// The result, byte-identical to the image the patch was made for. Throws Error naming the
// core's error ("base image differs from the one the patch was made for", ...).
std::vector<uint8_t> apply_patch(const std::vector<uint8_t>& base, const std::vector<uint8_t>& patch);

}  // namespace vt132::host
