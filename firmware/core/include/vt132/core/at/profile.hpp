#pragma once
// The modem settings a user can store with AT&W (the NVS "profile"), and their defaults.
#include <cstddef>
#include <cstdint>

#include "vt132/core/net/url.hpp"
#include "vt132/core/port/system.hpp"

namespace vt132::core {

constexpr size_t kRegisterCount = 51;  // S0..S50
constexpr const char* kDefaultUpdateUrl =
    "https://api.github.com/repos/thehighnibble/vt132/releases/latest";

// S-registers with a meaning here.
constexpr size_t kRegAutoAnswerRings = 0;
constexpr size_t kRegEscapeChar = 2;
constexpr size_t kRegGuardTime = 12;    // fiftieths of a second
constexpr size_t kRegAnswerPort = 14;
constexpr size_t kRegTelnet = 15;
constexpr size_t kRegPrerelease = 40;   // our rule: 1 = AT+U? also offers prereleases

struct Profile {
  bool echo = true;
  bool quiet = false;
  bool flow_control = false;
  uint8_t answer_mode = 0;  // 0 off; AT&A0 / AT&A1 set 1 (interactive) / 2 (daemon)
  uint32_t baud = 115200;
  char term[33] = "vt100";
  char update_url[81] = {};  // empty: kDefaultUpdateUrl (an AT line holds at most 80)
  uint16_t regs[kRegisterCount] = {};

  static Profile defaults();
  const char* url() const { return update_url[0] ? update_url : kDefaultUpdateUrl; }
};

void load_profile(port::Settings& settings, Profile& out);  // defaults for missing keys
bool store_profile(port::Settings& settings, const Profile& p);

}  // namespace vt132::core
