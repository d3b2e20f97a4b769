#pragma once
// The RC2014 side of the simulated VT132: stdin/stdout, or a pseudo-terminal that a
// terminal program (minicom, C-Kermit) opens like a serial device.
#include <string>

#include "vt132/core/port/serial.hpp"

namespace vt132::hostport {

class FdSerial : public core::port::Serial {
 public:
  // Uses stdin/stdout; a terminal on stdin is switched to UART-like input (restored at exit).
  FdSerial();
  // Opens a new pty master; slave_path() names the device for the terminal program.
  static FdSerial open_pty();

  size_t read(uint8_t* buf, size_t cap) override;
  void write(const uint8_t* data, size_t len) override;
  // Waits up to timeout_ms for input; false when none came.
  bool wait(int timeout_ms);
  bool at_eof() const { return eof_; }
  const std::string& slave_path() const { return slave_; }

 private:
  explicit FdSerial(int pty_master) : in_(pty_master), out_(pty_master), pty_(true) {}

  int in_ = 0;
  int out_ = 1;
  bool pty_ = false;
  bool tty_ = false;  // stdin is the user's terminal: Ctrl-D means power off
  bool eof_ = false;
  std::string slave_;
};

}  // namespace vt132::hostport
