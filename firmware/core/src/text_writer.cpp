#include "vt132/core/text_writer.hpp"

#include <cstdarg>
#include <cstdio>

namespace vt132::core {

void TextWriter::print(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  char* dst = len_ < cap_ ? out_ + len_ : nullptr;
  const size_t room = len_ < cap_ ? cap_ - len_ : 0;
  const int n = std::vsnprintf(dst, room, fmt, args);
  va_end(args);
  if (n > 0) len_ += static_cast<size_t>(n);
}

void TextWriter::pad_to(size_t column_start, size_t width) {
  while (len_ < column_start + width) print(" ");
}

size_t TextWriter::finish() {
  if (cap_ == 0) return 0;
  const size_t n = len_ < cap_ ? len_ : cap_ - 1;
  out_[n] = '\0';
  return n;
}

}  // namespace vt132::core
