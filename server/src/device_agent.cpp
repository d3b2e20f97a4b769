#include "device_agent.hpp"

namespace vt132::server {
namespace {

bool token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '+' || c == '-';
}
bool chip_char(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool hex_char(char c) { return (c >= 'a' && c <= 'f') || (c >= '0' && c <= '9'); }

// Takes `literal` from the front of `s`.
bool take(std::string_view& s, std::string_view literal) {
  if (s.substr(0, literal.size()) != literal) return false;
  s.remove_prefix(literal.size());
  return true;
}

// Takes 1..max characters accepted by `ok` from the front of `s`, up to the first other one.
template <typename Ok>
bool take_field(std::string_view& s, size_t max, Ok ok, std::string& out) {
  size_t n = 0;
  while (n < s.size() && ok(s[n])) {
    if (++n > max) return false;
  }
  if (n == 0) return false;
  out.assign(s.substr(0, n));
  s.remove_prefix(n);
  return true;
}

}  // namespace

std::optional<DeviceAgent> parse_device_agent(std::string_view s) {
  if (s.size() > kMaxDeviceAgent) return std::nullopt;
  DeviceAgent a;
  if (!take(s, "VT132/") || !take_field(s, kMaxAgentVersion, token_char, a.version) || !take(s, " (") ||
      !take_field(s, kMaxAgentChip, chip_char, a.chip) || !take(s, "; id=") ||
      !take_field(s, kAgentIdLength, hex_char, a.id) || a.id.size() != kAgentIdLength || !take(s, "; slot=") ||
      !take_field(s, kMaxAgentSlot, token_char, a.slot) || !take(s, "; state=")) {
    return std::nullopt;
  }
  if (take(s, "valid)")) {
    a.pending = false;
  } else if (take(s, "pending)")) {
    a.pending = true;
  } else {
    return std::nullopt;
  }
  if (!s.empty()) return std::nullopt;
  return a;
}

}  // namespace vt132::server
