#pragma once
// The PEM files the build embeds (CMakeLists.txt, EMBED_TXTFILES): the release signing keys
// and the optional LAN CA named in Kconfig. An option left empty embeds an empty file.
#include <cstddef>

namespace vt132::espport {

struct PemText {
  const char* text = nullptr;  // NUL-terminated
  size_t size = 0;             // bytes including the NUL, as mbedTLS and esp_tls count PEM; 0: none
  bool empty() const { return size == 0; }
};

constexpr size_t kSigningKeySlots = 2;  // the current key and the next one (key rotation)
PemText signing_key_pem(size_t slot);
PemText lan_ca_pem();

}  // namespace vt132::espport
