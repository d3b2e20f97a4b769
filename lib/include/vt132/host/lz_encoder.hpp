#pragma once
// The encoder of the patch body's compression (firmware core delta/lz_model.hpp): LZ77 over
// the 2 KiB window the device's decoder keeps, range-coded with the same adaptive model.
#include <cstdint>
#include <vector>

namespace vt132::host {

std::vector<uint8_t> lz_compress(const std::vector<uint8_t>& data);

}  // namespace vt132::host
