#include "port/kconfig_options.hpp"

#include "sdkconfig.h"
#include "vt132/core/at/profile.hpp"
#include "vt132/core/ota/release_scanner.hpp"

namespace vt132::espport {
namespace {

constexpr bool starts_with(const char* s, const char* prefix) {
  return *prefix == '\0' || (*s == *prefix && starts_with(s + 1, prefix + 1));
}

// A value the core could not hold is a build error here, not a device that silently falls
// back to another URL or never finds its asset.
static_assert(sizeof(CONFIG_VT132_UPDATE_URL) <= sizeof(core::Profile{}.update_url),
              "CONFIG_VT132_UPDATE_URL: at most 80 characters (one AT line)");
static_assert(starts_with(CONFIG_VT132_UPDATE_URL, "http://") || starts_with(CONFIG_VT132_UPDATE_URL, "https://"),
              "CONFIG_VT132_UPDATE_URL: an http:// or https:// URL");
static_assert(sizeof(CONFIG_VT132_IMAGE_ASSET_NAME) > 1 &&
                  sizeof(CONFIG_VT132_IMAGE_ASSET_NAME) <= core::kMaxAssetName + 1,
              "CONFIG_VT132_IMAGE_ASSET_NAME: 1 to 63 characters");

#ifdef CONFIG_VT132_PRERELEASE
constexpr const char* kPrereleaseDefault = "1";
#else
constexpr const char* kPrereleaseDefault = nullptr;  // the core's own default (0)
#endif

// The NVS keys are the ones load_profile reads ("url", and "s40" for register S40).
const SettingDefault kSettingDefaults[] = {
    {"url", CONFIG_VT132_UPDATE_URL},
    {"s40", kPrereleaseDefault},
};
static_assert(core::kRegPrerelease == 40, "the prerelease register is S40");

}  // namespace

const SettingDefault* kconfig_setting_defaults(size_t& count) {
  count = sizeof kSettingDefaults / sizeof kSettingDefaults[0];
  return kSettingDefaults;
}

UartConfig kconfig_uart() {
  return UartConfig{CONFIG_VT132_UART_NUM, CONFIG_VT132_UART_BAUD, CONFIG_VT132_UART_TX_PIN, CONFIG_VT132_UART_RX_PIN};
}

const char* kconfig_image_asset_name() { return CONFIG_VT132_IMAGE_ASSET_NAME; }

bool kconfig_require_signature() {
#ifdef CONFIG_VT132_REQUIRE_SIGNATURE
  return true;
#else
  return false;
#endif
}

}  // namespace vt132::espport
