#pragma once
// The User-Agent every OTA request of a device carries, so a server can tell its devices
// apart and see how their updates went (the server's /devices page):
//
//   VT132/<running version> (<chip>; id=<8 hex>; slot=<app0|app1>; state=<valid|pending>)
//
// id is the first 8 hex digits of the SHA-256 of the Wi-Fi station MAC: stable for a board,
// different between boards, and not the MAC itself. Each fact comes from the port that
// knows it: the running slot, its app descriptor (version) and its image header (the chip
// the image was built for, which the bootloader boots only on that chip) from OtaSlots, the
// MAC from Wifi. Made once per query or update into the caller's buffer: no heap.
#include <cstddef>
#include <cstdint>

#include "vt132/core/port/ota_slots.hpp"
#include "vt132/core/port/system.hpp"

namespace vt132::core {

// "VT132/" + version (32) + " (" + chip (8) + "; id=" + 8 + "; slot=" + label (16) +
// "; state=pending)" is 104 characters.
constexpr size_t kMaxUserAgent = 111;
constexpr size_t kUserAgentIdLength = 8;

struct DeviceFacts {
  const char* version = "";  // as the app descriptor holds it; unsafe bytes become '_'
  const char* chip = "";
  uint8_t mac[6] = {};
  const char* slot = "";     // the running slot's partition label
  bool pending = false;      // the running image has not confirmed itself yet
};

// Writes the User-Agent (NUL-terminated, at most cap - 1 bytes). Every byte of version and
// slot outside [A-Za-z0-9._+-] is written as '_', so an image cannot put a CR LF, a ';' or
// a ')' into the request.
void format_user_agent(const DeviceFacts& facts, char* out, size_t cap);

// The facts from the ports, formatted. out holds kMaxUserAgent + 1 bytes.
void device_user_agent(port::OtaSlots& slots, port::Wifi& wifi, char* out);

}  // namespace vt132::core
