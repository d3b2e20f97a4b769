#pragma once
// The RC2014 side of the VT132 on an ESP32 UART (driver/uart.h). The UART driver buffers
// received bytes in its ring buffer, so read() only takes what has already arrived and
// never waits: port::Serial requires that, so the modem can poll the network in between.
#include <cstddef>
#include <cstdint>

#include "vt132/core/port/serial.hpp"

namespace vt132::espport {

struct UartConfig {
  int uart_num = 0;
  int baud = 115200;
  int tx_pin = -1;  // -1: the UART's default pin
  int rx_pin = -1;
};

class UartSerial final : public core::port::Serial {
 public:
  // Installs the UART driver; ok() says whether that worked.
  explicit UartSerial(const UartConfig& config);
  ~UartSerial() override;
  UartSerial(const UartSerial&) = delete;
  UartSerial& operator=(const UartSerial&) = delete;

  bool ok() const { return installed_; }
  size_t read(uint8_t* buf, size_t cap) override;
  void write(const uint8_t* data, size_t len) override;

 private:
  int uart_;
  bool installed_ = false;
};

}  // namespace vt132::espport
