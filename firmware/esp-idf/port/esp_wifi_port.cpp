#include "port/esp_wifi_port.hpp"

#include <cstdio>
#include <cstring>

#include "esp_log.h"
#include "esp_mac.h"
#include "esp_wifi.h"

namespace vt132::espport {
namespace {

using core::port::WifiStatus;

constexpr const char* kTag = "vt132-wifi";

// Copies a credential into its fixed wifi_config_t field; false when it does not fit (the
// driver would silently cut it, and a cut password fails in a confusing way).
template <size_t N>
bool copy_credential(uint8_t (&field)[N], const char* value, bool may_fill) {
  const size_t len = strnlen(value, N + 1);
  if (len > N || (len == N && !may_fill)) return false;
  std::memset(field, 0, N);
  std::memcpy(field, value, len);
  return true;
}

}  // namespace

EspWifi::EspWifi() {
  netif_ = esp_netif_create_default_wifi_sta();
  wifi_init_config_t init = WIFI_INIT_CONFIG_DEFAULT();
  esp_err_t err = netif_ ? esp_wifi_init(&init) : ESP_FAIL;
  if (err == ESP_OK) {
    err = esp_event_handler_instance_register(WIFI_EVENT, ESP_EVENT_ANY_ID, &EspWifi::on_event, this, &wifi_handler_);
  }
  if (err == ESP_OK) {
    err = esp_event_handler_instance_register(IP_EVENT, IP_EVENT_STA_GOT_IP, &EspWifi::on_event, this, &ip_handler_);
  }
  // Credentials live in the modem's own settings (AT+W=), not in the driver's NVS copy.
  if (err == ESP_OK) err = esp_wifi_set_storage(WIFI_STORAGE_RAM);
  if (err == ESP_OK) err = esp_wifi_set_mode(WIFI_MODE_STA);
  if (err == ESP_OK) err = esp_wifi_start();
  started_ = err == ESP_OK;
  if (!started_) ESP_LOGE(kTag, "Wi-Fi start: %s", esp_err_to_name(err));
}

EspWifi::~EspWifi() {
  if (ip_handler_) esp_event_handler_instance_unregister(IP_EVENT, IP_EVENT_STA_GOT_IP, ip_handler_);
  if (wifi_handler_) esp_event_handler_instance_unregister(WIFI_EVENT, ESP_EVENT_ANY_ID, wifi_handler_);
  if (started_) esp_wifi_stop();
}

void EspWifi::join(const char* ssid, const char* password) {
  if (!started_) return;
  wifi_config_t config{};
  // SSIDs are up to 32 bytes (the field may be full); a WPA passphrase up to 63 plus a NUL.
  if (!ssid || !ssid[0] || !copy_credential(config.sta.ssid, ssid, true)) {
    status_ = WifiStatus::NoSsid;
    return;
  }
  if (!copy_credential(config.sta.password, password ? password : "", false)) {
    status_ = WifiStatus::ConnectFailed;
    return;
  }
  const WifiStatus before = status_.load();
  if (before == WifiStatus::Connected || before == WifiStatus::Idle) {
    expect_disconnect_ = true;
    esp_wifi_disconnect();
  }
  status_ = WifiStatus::Idle;  // joining; the events say how it ends
  esp_err_t err = esp_wifi_set_config(WIFI_IF_STA, &config);
  if (err == ESP_OK) err = esp_wifi_connect();
  if (err != ESP_OK) {
    ESP_LOGE(kTag, "join: %s", esp_err_to_name(err));
    status_ = WifiStatus::ConnectFailed;
  }
}

void EspWifi::leave() {
  const WifiStatus before = status_.load();
  if (started_ && (before == WifiStatus::Connected || before == WifiStatus::Idle)) {
    expect_disconnect_ = true;
    esp_wifi_disconnect();
  }
  status_ = WifiStatus::Disconnected;
}

void EspWifi::on_event(void* self_ptr, esp_event_base_t base, int32_t id, void* data) {
  auto* self = static_cast<EspWifi*>(self_ptr);
  if (base == IP_EVENT && id == IP_EVENT_STA_GOT_IP) {
    self->status_ = WifiStatus::Connected;  // joined and addressed: the modem may dial
  } else if (base == WIFI_EVENT && id == WIFI_EVENT_STA_DISCONNECTED && data) {
    self->on_disconnected(static_cast<const wifi_event_sta_disconnected_t*>(data)->reason);
  }
}

void EspWifi::on_disconnected(uint8_t reason) {
  if (expect_disconnect_.exchange(false)) return;
  const WifiStatus before = status_.load();
  if (before == WifiStatus::Connected) {
    status_ = WifiStatus::ConnectionLost;
  } else if (before == WifiStatus::Idle) {
    status_ = reason == WIFI_REASON_NO_AP_FOUND ? WifiStatus::NoSsid : WifiStatus::ConnectFailed;
  }
}

void EspWifi::ip_address(char out[16]) {
  esp_netif_ip_info_t info{};
  if (status_.load() != WifiStatus::Connected || !netif_ || esp_netif_get_ip_info(netif_, &info) != ESP_OK) {
    std::snprintf(out, 16, "0.0.0.0");
    return;
  }
  esp_ip4addr_ntoa(&info.ip, out, 16);
}

void EspWifi::mac(uint8_t out[6]) {
  // The station MAC is derived from the factory base MAC in eFuse; that one, if it cannot be.
  if (esp_read_mac(out, ESP_MAC_WIFI_STA) == ESP_OK) return;
  if (esp_efuse_mac_get_default(out) == ESP_OK) return;
  std::memset(out, 0, 6);
}

}  // namespace vt132::espport
