// The VT132 modem firmware as an ESP-IDF application: the AT modem and its OTA client (the
// portable core) on UART0, over the ESP-IDF ports of firmware/esp-idf/port.
//
// Everything long-lived is static: ESP-IDF's main task has a small stack (sdkconfig.defaults
// raises it for the TLS handshake and the OTA image reader, which run inside modem.poll()).
#include "esp_event.h"
#include "esp_log.h"
#include "esp_netif.h"
#include "nvs_flash.h"
#include "port/efuse_counter.hpp"
#include "port/embedded_pem.hpp"
#include "port/esp_clock.hpp"
#include "port/esp_network.hpp"
#include "port/esp_ota_slots.hpp"
#include "port/esp_wifi_port.hpp"
#include "port/heap_caps_allocator.hpp"
#include "port/kconfig_options.hpp"
#include "port/mbedtls_verifier.hpp"
#include "port/nvs_settings.hpp"
#include "port/uart_serial.hpp"
#include "vt132/core/at/modem.hpp"
#include "vt132/core/mem/counting_allocator.hpp"

namespace {

using namespace vt132;

constexpr const char* kTag = "vt132";
constexpr uint32_t kPollIntervalMs = 5;
constexpr unsigned kBusyPollsPerTick = 16;  // 16 KiB of download between two ticks given up

// NVS holds the user's settings. When it cannot be mounted (no free pages, or written by a
// newer NVS format) the usual recipe erases it; that would delete what the user stored, so
// the modem runs with defaults instead and says so. `idf.py erase-flash` is the user's call.
void init_nvs() {
  const esp_err_t err = nvs_flash_init();
  if (err != ESP_OK) ESP_LOGE(kTag, "NVS not mounted (%s): settings will not be kept", esp_err_to_name(err));
}

// The release signature check, or nullptr in a build that does not require signatures.
core::port::SignatureVerifier* release_verifier() {
  if (!espport::kconfig_require_signature()) return nullptr;
  static espport::MbedtlsVerifier verifier;
  return &verifier;
}

}  // namespace

extern "C" void app_main() {
  init_nvs();
  ESP_ERROR_CHECK(esp_netif_init());
  ESP_ERROR_CHECK(esp_event_loop_create_default());

  static espport::UartSerial serial(espport::kconfig_uart());
  static espport::EspClock clock;
  size_t default_count = 0;
  const espport::SettingDefault* defaults = espport::kconfig_setting_defaults(default_count);
  static espport::NvsSettings settings("vt132", defaults, default_count);
  static espport::EspWifi wifi;
  static espport::EspNetwork net(espport::lan_ca_pem());
  static espport::EspOtaSlots slots;
  static espport::EfuseSecureCounter efuse;
  static espport::HeapCapsAllocator heap_caps;
  static core::CountingAllocator heap(heap_caps);

  static const core::ModemPorts ports{serial, clock, settings, wifi, net, slots, efuse, release_verifier(), heap};
  core::ModemConfig config;
  config.image_asset_name = espport::kconfig_image_asset_name();
  static core::Modem modem(ports, config);
  modem.poll();

  // Rollback: the bootloader (CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE) boots a new image once
  // in the "pending verify" state; if it resets again before confirming itself, the previous
  // image boots instead. Having come this far (NVS, network stack, Wi-Fi driver, UART and the
  // modem up and answering) is this image's health check, so it confirms itself now. A crash
  // or hang before this line (the task watchdog resets a hang) rolls the update back.
  // ESP-IDF also refuses to start another update until the running image is confirmed.
  if (slots.running_pending_verify()) {
    const core::port::SlotError e = slots.mark_running_valid();
    ESP_LOGI(kTag, "confirming the new image: %s", core::port::describe(e));
  }

  // While an update runs, each poll moves one receive buffer (1 KiB): sleeping a tick after
  // every poll would cap the download near 1 KiB per tick. The idle task must still run
  // (it feeds the task watchdog), so even then a tick is given up every kBusyPollsPerTick polls.
  unsigned busy_polls = 0;
  for (;;) {
    modem.poll();
    if (modem.busy() && ++busy_polls < kBusyPollsPerTick) continue;
    busy_polls = 0;
    clock.sleep_ms(kPollIntervalMs);  // at least one tick
  }
}
