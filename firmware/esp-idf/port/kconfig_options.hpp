#pragma once
// The component's Kconfig options ("VT132 OTA modem"), checked against the bounds the core
// keeps them in and handed to the ports in their own types, so an application's app_main
// does not repeat either.
#include <cstddef>

#include "port/nvs_settings.hpp"
#include "port/uart_serial.hpp"

namespace vt132::espport {

// Settings the build answers while the user has not stored them: the update URL and the
// prerelease opt-in (register S40).
const SettingDefault* kconfig_setting_defaults(size_t& count);
UartConfig kconfig_uart();
const char* kconfig_image_asset_name();
bool kconfig_require_signature();

}  // namespace vt132::espport
