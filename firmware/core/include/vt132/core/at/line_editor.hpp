#pragma once
// The modem's command-line discipline: upper-case "AT" prefix recognised as it is typed,
// CR ends a line, LF ignored, BS edits (never into the "AT"), at most 80 characters,
// "A/" repeats the previous command at once, echo when enabled.
#include <cstddef>
#include <cstdint>

#include "vt132/core/port/serial.hpp"

namespace vt132::core {

constexpr size_t kMaxCommandLine = 80;

class LineEditor {
 public:
  enum class Event { None, Line, Repeat, Error };

  // Takes one received byte; echoes through `out` when echo is on.
  Event feed(uint8_t c, bool echo, port::Serial& out);
  // The completed line (valid after Line; after Repeat, the previous line).
  const char* line() const { return last_; }

 private:
  Event finish(Event e);

  char buf_[kMaxCommandLine + 1] = {};
  size_t len_ = 0;
  bool overflow_ = false;
  char last_[kMaxCommandLine + 1] = {};
};

}  // namespace vt132::core
