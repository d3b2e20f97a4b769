#include "vt132/core/ota/user_agent.hpp"

#include <cstdio>

#include "vt132/core/app_image.hpp"
#include "vt132/core/bytes.hpp"
#include "vt132/core/sha256.hpp"

namespace vt132::core {
namespace {

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '+' || c == '-';
}

// Appends `text` (at most `max` bytes of it) with every unsafe byte as '_'.
void append_token(char* out, size_t cap, size_t& len, const char* text, size_t max) {
  for (size_t i = 0; text[i] && i < max && len + 1 < cap; ++i) out[len++] = token_char(text[i]) ? text[i] : '_';
  out[len] = '\0';
}

void append(char* out, size_t cap, size_t& len, const char* text) {
  for (; *text && len + 1 < cap; ++text) out[len++] = *text;
  out[len] = '\0';
}

}  // namespace

void format_user_agent(const DeviceFacts& f, char* out, size_t cap) {
  if (cap == 0) return;
  const Sha256Digest digest = Sha256::of(f.mac, sizeof f.mac);
  char hex[65];
  sha256_to_hex(digest, hex);
  hex[kUserAgentIdLength] = '\0';
  size_t len = 0;
  out[0] = '\0';
  append(out, cap, len, "VT132/");
  append_token(out, cap, len, f.version[0] ? f.version : "unknown", kAppVersionFieldSize);
  append(out, cap, len, " (");
  append_token(out, cap, len, f.chip, 16);
  append(out, cap, len, "; id=");
  append(out, cap, len, hex);
  append(out, cap, len, "; slot=");
  append_token(out, cap, len, f.slot[0] ? f.slot : "unknown", sizeof port::Slot{}.label);
  append(out, cap, len, f.pending ? "; state=pending)" : "; state=valid)");
}

void device_user_agent(port::OtaSlots& slots, port::Wifi& wifi, char* out) {
  DeviceFacts f;
  const port::Slot running = slots.running();
  AppDescriptor app;
  if (running.valid() && slots.describe(running, app)) f.version = app.version;
  // The chip id sits in the image header; the bootloader runs an image only on its chip.
  uint8_t header[kImageHeaderSize];
  f.chip = running.valid() && slots.read(running, 0, header, sizeof header) && header[0] == kImageMagic
               ? chip_name(load_le16(header + 12))
               : "unknown";
  wifi.mac(f.mac);
  f.slot = running.label;
  f.pending = slots.running_pending_verify();
  format_user_agent(f, out, kMaxUserAgent + 1);
}

}  // namespace vt132::core
