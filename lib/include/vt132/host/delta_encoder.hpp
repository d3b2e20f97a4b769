#pragma once
// Makes VT132 delta patches (docs/delta.md) on the host: from a base image and the image that
// should replace it, the smallest patch our format can express, found bsdiff-style (exact
// anchors from a suffix array of the base, each extended approximately both ways, so code that
// moved and had its pointers adjusted still costs only its few changed bytes).
#include <cstddef>
#include <cstdint>
#include <vector>

namespace vt132::host {

struct PatchStats {
  size_t copy_bytes = 0;     // result bytes taken unchanged from the base
  size_t add_bytes = 0;      // result bytes taken from the base plus a difference
  size_t literal_bytes = 0;  // result bytes carried in the patch
  size_t instructions = 0;
  size_t body_size = 0;      // compressed instruction stream
};

// The patch has been applied with the core's applier (the device's code) and reproduces
// `result` exactly. Throws Error when an input exceeds the format's size bound (or, on an
// encoder bug, when the patch would not reproduce `result`).
std::vector<uint8_t> make_patch(const std::vector<uint8_t>& base, const std::vector<uint8_t>& result,
                                PatchStats* stats = nullptr);

}  // namespace vt132::host
