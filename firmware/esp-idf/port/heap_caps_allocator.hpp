#pragma once
// The core's per-command heap from ESP-IDF's capability allocator. The core wraps this in
// its CountingAllocator, so the figures it reports are the core's own bytes, not the whole
// heap's (Wi-Fi, lwIP and mbedTLS allocate elsewhere).
#include <cstddef>

#include "vt132/core/port/system.hpp"

namespace vt132::espport {

class HeapCapsAllocator final : public core::port::Allocator {
 public:
  void* allocate(size_t size) override;
  void release(void* p, size_t size) override;
};

}  // namespace vt132::espport
