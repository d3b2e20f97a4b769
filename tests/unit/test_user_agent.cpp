#include <doctest/doctest.h>

#include <string>

#include "vt132/core/ota/user_agent.hpp"
#include "vt132/core/sha256.hpp"

using namespace vt132::core;

namespace {

std::string agent(const DeviceFacts& f, size_t cap = kMaxUserAgent + 1) {
  char out[kMaxUserAgent + 1];
  format_user_agent(f, out, cap);
  return out;
}

DeviceFacts facts() {
  DeviceFacts f;
  f.version = "V1.2.3-rc.1+build.7";
  f.chip = "esp32";
  const uint8_t mac[6] = {0x24, 0x0a, 0xc4, 0x12, 0x34, 0x56};
  for (int i = 0; i < 6; ++i) f.mac[i] = mac[i];
  f.slot = "app1";
  f.pending = true;
  return f;
}

}  // namespace

TEST_SUITE("user_agent") {
  TEST_CASE("the User-Agent names version, chip, a hash of the MAC, slot and state") {
    const DeviceFacts f = facts();
    char hex[65];
    sha256_to_hex(Sha256::of(f.mac, sizeof f.mac), hex);
    CHECK(agent(f) == "VT132/V1.2.3-rc.1+build.7 (esp32; id=" + std::string(hex, 8) + "; slot=app1; state=pending)");
    DeviceFacts valid = f;
    valid.pending = false;
    CHECK(agent(valid).find("; state=valid)") != std::string::npos);
  }

  TEST_CASE("an image's version cannot inject header lines or break the structure") {
    DeviceFacts f = facts();
    f.version = "V1\r\nX-Evil: 1; slot=app0)";
    const std::string ua = agent(f);
    CHECK(ua.rfind("VT132/V1__X-Evil__1__slot_app0_ (esp32; id=", 0) == 0);
    CHECK(ua.find('\r') == std::string::npos);
  }

  TEST_CASE("the longest facts fit and a small buffer truncates without overflow") {
    DeviceFacts f = facts();
    const std::string version(31, '9');
    const std::string slot(16, 'a');
    f.version = version.c_str();
    f.slot = slot.c_str();
    f.chip = "esp32c6";
    const std::string full = agent(f);
    CHECK(full.size() <= kMaxUserAgent);
    CHECK(full.back() == ')');
    CHECK(agent(f, 10) == "VT132/999");
  }

  TEST_CASE("a device that knows no version says so") {
    DeviceFacts f = facts();
    f.version = "";
    CHECK(agent(f).rfind("VT132/unknown (", 0) == 0);
  }
}
