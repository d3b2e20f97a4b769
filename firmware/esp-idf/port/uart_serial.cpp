#include "port/uart_serial.hpp"

#include "driver/uart.h"
#include "esp_log.h"

namespace vt132::espport {
namespace {

constexpr const char* kTag = "vt132-uart";
// Enough for a whole AT line (80 bytes) plus a paste burst at 115200 baud between two polls;
// the TX buffer lets write() return while a long info screen drains.
constexpr int kRxBufferSize = 1024;
constexpr int kTxBufferSize = 1024;

}  // namespace

UartSerial::UartSerial(const UartConfig& config) : uart_(config.uart_num) {
  const auto port = static_cast<uart_port_t>(uart_);
  uart_config_t uc{};
  uc.baud_rate = config.baud;
  uc.data_bits = UART_DATA_8_BITS;
  uc.parity = UART_PARITY_DISABLE;
  uc.stop_bits = UART_STOP_BITS_1;
  uc.flow_ctrl = UART_HW_FLOWCTRL_DISABLE;
  uc.source_clk = UART_SCLK_DEFAULT;
  // The order ESP-IDF's UART guide gives: parameters, pins, then the driver.
  esp_err_t err = uart_param_config(port, &uc);
  if (err == ESP_OK) {
    err = uart_set_pin(port, config.tx_pin < 0 ? UART_PIN_NO_CHANGE : config.tx_pin,
                       config.rx_pin < 0 ? UART_PIN_NO_CHANGE : config.rx_pin, UART_PIN_NO_CHANGE,
                       UART_PIN_NO_CHANGE);
  }
  if (err == ESP_OK) err = uart_driver_install(port, kRxBufferSize, kTxBufferSize, 0, nullptr, 0);
  installed_ = err == ESP_OK;
  if (!installed_) ESP_LOGE(kTag, "UART%d: %s", uart_, esp_err_to_name(err));
}

UartSerial::~UartSerial() {
  if (installed_) uart_driver_delete(static_cast<uart_port_t>(uart_));
}

size_t UartSerial::read(uint8_t* buf, size_t cap) {
  if (!installed_ || cap == 0) return 0;
  // Zero ticks: take what the driver already holds, never wait for more.
  const int n = uart_read_bytes(static_cast<uart_port_t>(uart_), buf, static_cast<uint32_t>(cap), 0);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

void UartSerial::write(const uint8_t* data, size_t len) {
  if (!installed_) return;
  // Blocks only while the TX ring buffer is full, i.e. at the line's own pace.
  uart_write_bytes(static_cast<uart_port_t>(uart_), data, len);
}

}  // namespace vt132::espport
