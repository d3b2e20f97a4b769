#pragma once
// printf-style appending into a caller's fixed buffer, for messages and CSV text on a device
// without heap or iostreams. Writing past the end is counted but not stored, so callers can
// tell the text was cut (length() > capacity) and still get a NUL-terminated prefix.
#include <cstddef>

namespace vt132::core {

class TextWriter {
 public:
  TextWriter(char* out, size_t cap) : out_(out), cap_(cap) {}

  void print(const char* fmt, ...) __attribute__((format(printf, 2, 3)));
  // Spaces up to column column_start + width (for aligned columns).
  void pad_to(size_t column_start, size_t width);
  // NUL-terminates and returns the stored length (at most cap - 1).
  size_t finish();
  // What would have been written with room enough.
  size_t length() const { return len_; }

 private:
  char* out_;
  size_t cap_;
  size_t len_ = 0;
};

}  // namespace vt132::core
