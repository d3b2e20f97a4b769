#include "vt132/core/mem/counting_allocator.hpp"

namespace vt132::core {

void* CountingAllocator::allocate(size_t size) {
  void* p = backing_.allocate(size);
  if (!p) return nullptr;
  stats_.outstanding_bytes += size;
  stats_.outstanding_blocks += 1;
  stats_.total_blocks += 1;
  if (stats_.outstanding_bytes > stats_.peak_bytes) stats_.peak_bytes = stats_.outstanding_bytes;
  return p;
}

void CountingAllocator::release(void* p, size_t size) {
  if (!p) return;
  backing_.release(p, size);
  stats_.outstanding_bytes -= size;
  stats_.outstanding_blocks -= 1;
}

}  // namespace vt132::core
