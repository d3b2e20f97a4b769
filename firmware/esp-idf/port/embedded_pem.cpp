#include "port/embedded_pem.hpp"

#include <cstdint>
#include <cstring>

// ESP-IDF names an embedded file's bounds _binary_<file name>_start/_end; the component
// copies each configured file to a fixed name so these symbols do not depend on it.
extern const uint8_t key0_start[] asm("_binary_vt132_signing_key_0_pem_start");
extern const uint8_t key0_end[] asm("_binary_vt132_signing_key_0_pem_end");
extern const uint8_t key1_start[] asm("_binary_vt132_signing_key_1_pem_start");
extern const uint8_t key1_end[] asm("_binary_vt132_signing_key_1_pem_end");
extern const uint8_t ca_start[] asm("_binary_vt132_lan_ca_pem_start");
extern const uint8_t ca_end[] asm("_binary_vt132_lan_ca_pem_end");

namespace vt132::espport {
namespace {

// EMBED_TXTFILES appends a NUL; the text is measured up to it but never past `end`.
PemText pem(const uint8_t* start, const uint8_t* end) {
  PemText p;
  const char* text = reinterpret_cast<const char*>(start);
  const size_t len = strnlen(text, static_cast<size_t>(end - start));
  if (len == 0 || start + len == end) return p;  // empty, or no NUL inside the bounds
  p.text = text;
  p.size = len + 1;
  return p;
}

}  // namespace

PemText signing_key_pem(size_t slot) {
  if (slot == 0) return pem(key0_start, key0_end);
  if (slot == 1) return pem(key1_start, key1_end);
  return PemText{};
}

PemText lan_ca_pem() { return pem(ca_start, ca_end); }

}  // namespace vt132::espport
