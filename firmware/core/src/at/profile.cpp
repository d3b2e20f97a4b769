#include "vt132/core/at/profile.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace vt132::core {
namespace {

bool load_number(port::Settings& s, const char* key, uint32_t& out) {
  char v[16];
  if (!s.load(key, v, sizeof v)) return false;
  char* end = nullptr;
  const unsigned long n = std::strtoul(v, &end, 10);
  if (end == v || *end) return false;
  out = static_cast<uint32_t>(n);
  return true;
}

bool store_number(port::Settings& s, const char* key, uint32_t value) {
  char v[16];
  std::snprintf(v, sizeof v, "%lu", static_cast<unsigned long>(value));
  return s.store(key, v);
}

}  // namespace

Profile Profile::defaults() {
  Profile p;
  p.regs[kRegEscapeChar] = '+';
  p.regs[kRegGuardTime] = 50;
  p.regs[kRegAnswerPort] = 23;
  p.regs[kRegTelnet] = 1;
  return p;
}

void load_profile(port::Settings& s, Profile& p) {
  p = Profile::defaults();
  uint32_t n = 0;
  if (load_number(s, "echo", n)) p.echo = n != 0;
  if (load_number(s, "quiet", n)) p.quiet = n != 0;
  if (load_number(s, "flow", n)) p.flow_control = n != 0;
  if (load_number(s, "answer", n) && n <= 2) p.answer_mode = static_cast<uint8_t>(n);
  if (load_number(s, "baud", n) && n >= 4800 && n <= 115200) p.baud = n;
  s.load("term", p.term, sizeof p.term);
  s.load("url", p.update_url, sizeof p.update_url);
  char key[8];
  for (size_t i = 0; i < kRegisterCount; ++i) {
    std::snprintf(key, sizeof key, "s%u", static_cast<unsigned>(i));
    if (load_number(s, key, n) && n <= 0xFFFF) p.regs[i] = static_cast<uint16_t>(n);
  }
}

bool store_profile(port::Settings& s, const Profile& p) {
  bool ok = store_number(s, "echo", p.echo) && store_number(s, "quiet", p.quiet) &&
            store_number(s, "flow", p.flow_control) && store_number(s, "answer", p.answer_mode) &&
            store_number(s, "baud", p.baud) && s.store("term", p.term) && s.store("url", p.update_url);
  char key[8];
  for (size_t i = 0; ok && i < kRegisterCount; ++i) {
    std::snprintf(key, sizeof key, "s%u", static_cast<unsigned>(i));
    ok = store_number(s, key, p.regs[i]);
  }
  return ok;
}

}  // namespace vt132::core
