#include "port/heap_caps_allocator.hpp"

#include "esp_heap_caps.h"

namespace vt132::espport {

// Byte-addressable memory: the core's buffers are accessed byte by byte, which the ESP32's
// 32-bit-only IRAM would fault on. External PSRAM qualifies too when a board has it.
void* HeapCapsAllocator::allocate(size_t size) { return heap_caps_malloc(size, MALLOC_CAP_8BIT); }

void HeapCapsAllocator::release(void* p, size_t /*size*/) { heap_caps_free(p); }

}  // namespace vt132::espport
