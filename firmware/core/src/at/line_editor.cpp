#include "vt132/core/at/line_editor.hpp"

#include <cstring>

namespace vt132::core {
namespace {
constexpr uint8_t kCr = 0x0D;
constexpr uint8_t kLf = 0x0A;
constexpr uint8_t kBs = 0x08;
constexpr uint8_t kDel = 0x7F;

void put(port::Serial& out, const char* s) {
  out.write(reinterpret_cast<const uint8_t*>(s), std::strlen(s));
}
}  // namespace

LineEditor::Event LineEditor::finish(Event e) {
  if (e == Event::Line) {
    buf_[len_] = '\0';
    std::memcpy(last_, buf_, len_ + 1);
  }
  len_ = 0;
  overflow_ = false;
  return e;
}

LineEditor::Event LineEditor::feed(uint8_t c, bool echo, port::Serial& out) {
  if (c == kLf) return Event::None;
  if (c == kCr) {
    if (echo) out.write(&c, 1);
    if (overflow_) return finish(Event::Error);
    if (len_ == 0) return Event::None;
    if (len_ == 1) return finish(Event::Error);  // a lone "A"
    return finish(Event::Line);
  }
  if (c == kBs || c == kDel) {
    // The "AT" prefix stays; a lone "A" may still be taken back.
    if (len_ > 2 || len_ == 1) {
      if (!overflow_) --len_;
      if (echo) put(out, "\b \b");
    }
    return Event::None;
  }
  if (c < 0x20 || c > 0x7E) return Event::None;
  if (echo) out.write(&c, 1);
  if (len_ == 0) {
    if (c != 'A') return finish(Event::Error);
  } else if (len_ == 1) {
    if (c == '/') return finish(Event::Repeat);
    if (c != 'T') return finish(Event::Error);
  }
  if (len_ == kMaxCommandLine) {
    overflow_ = true;
    return Event::None;
  }
  buf_[len_++] = static_cast<char>(c);
  return Event::None;
}

}  // namespace vt132::core
