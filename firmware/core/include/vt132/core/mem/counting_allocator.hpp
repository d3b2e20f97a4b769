#pragma once
// Every byte of heap the core takes goes through here, so the sim (and a device debug
// build) can show the peak and prove that a finished command leaves nothing behind.
#include <cstddef>
#include <cstdint>
#include <new>
#include <utility>

#include "vt132/core/port/system.hpp"

namespace vt132::core {

struct HeapStats {
  size_t outstanding_bytes = 0;
  size_t outstanding_blocks = 0;
  size_t peak_bytes = 0;
  size_t total_blocks = 0;
};

class CountingAllocator {
 public:
  explicit CountingAllocator(port::Allocator& backing) : backing_(backing) {}

  void* allocate(size_t size);
  void release(void* p, size_t size);
  const HeapStats& stats() const { return stats_; }
  void reset_peak() { stats_.peak_bytes = stats_.outstanding_bytes; }

  // Constructs a T on the counted heap; nullptr when out of memory.
  template <typename T, typename... Args>
  T* make(Args&&... args) {
    void* p = allocate(sizeof(T));
    return p ? new (p) T(std::forward<Args>(args)...) : nullptr;
  }
  template <typename T>
  void destroy(T* p) {
    if (!p) return;
    p->~T();
    release(p, sizeof(T));
  }

 private:
  port::Allocator& backing_;
  HeapStats stats_;
};

// Owns one T from a CountingAllocator for a scope (a command's working memory).
template <typename T>
class Scoped {
 public:
  template <typename... Args>
  explicit Scoped(CountingAllocator& heap, Args&&... args)
      : heap_(heap), p_(heap.make<T>(std::forward<Args>(args)...)) {}
  ~Scoped() { heap_.destroy(p_); }
  Scoped(const Scoped&) = delete;
  Scoped& operator=(const Scoped&) = delete;

  explicit operator bool() const { return p_ != nullptr; }
  T* operator->() { return p_; }
  T& operator*() { return *p_; }

 private:
  CountingAllocator& heap_;
  T* p_;
};

}  // namespace vt132::core
