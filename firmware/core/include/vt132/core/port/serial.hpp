#pragma once
// Serial port: the RC2014 side of the VT132 (UART on the device, stdin/stdout or a pty in
// the sim). Reads never block, so the modem can poll it between network reads.
#include <cstddef>
#include <cstdint>

namespace vt132::core::port {

class Serial {
 public:
  virtual ~Serial() = default;
  // Up to cap bytes already received; 0 when none are waiting.
  virtual size_t read(uint8_t* buf, size_t cap) = 0;
  virtual void write(const uint8_t* data, size_t len) = 0;
};

}  // namespace vt132::core::port
