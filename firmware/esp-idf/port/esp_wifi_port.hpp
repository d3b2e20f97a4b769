#pragma once
// Wi-Fi station on esp_wifi / esp_netif / esp_event. join() only starts the connection; the
// outcome arrives as events on ESP-IDF's event task and shows in status(), which the modem
// polls, so no call here blocks the modem's loop.
#include <atomic>
#include <cstdint>

#include "esp_event.h"
#include "esp_netif.h"
#include "vt132/core/port/system.hpp"

namespace vt132::espport {

class EspWifi final : public core::port::Wifi {
 public:
  // esp_netif_init and esp_event_loop_create_default must have run. Starts the Wi-Fi driver
  // in station mode (not yet joined); ok() says whether that worked.
  EspWifi();
  ~EspWifi() override;
  EspWifi(const EspWifi&) = delete;
  EspWifi& operator=(const EspWifi&) = delete;

  bool ok() const { return started_; }
  void join(const char* ssid, const char* password) override;
  void leave() override;
  core::port::WifiStatus status() override { return status_.load(); }
  void ip_address(char out[16]) override;
  void mac(uint8_t out[6]) override;

 private:
  static void on_event(void* self, esp_event_base_t base, int32_t id, void* data);
  void on_disconnected(uint8_t reason);

  esp_netif_t* netif_ = nullptr;
  esp_event_handler_instance_t wifi_handler_ = nullptr;
  esp_event_handler_instance_t ip_handler_ = nullptr;
  bool started_ = false;
  // Written by the event task, read by the modem's task.
  std::atomic<core::port::WifiStatus> status_{core::port::WifiStatus::NotStarted};
  // The next disconnect event is ours (leave(), or join() replacing a connection), not a loss.
  std::atomic<bool> expect_disconnect_{false};
};

}  // namespace vt132::espport
