#pragma once
// The User-Agent a VT132 firmware core sends (firmware/core/include/vt132/core/ota/user_agent.hpp):
//
//   VT132/<version> (<chip>; id=<8 hex>; slot=<label>; state=<valid|pending>)
//
// Parsed exactly: anything else (stock firmware's HTTP client, browsers, gh) is not a VT132
// agent, and its text is never trusted for more. Bounded: at most kMaxDeviceAgent bytes are
// looked at, each field has the length the firmware can send. Self-contained (std only) for
// the fuzz target.
#include <optional>
#include <string>
#include <string_view>

namespace vt132::server {

constexpr size_t kMaxDeviceAgent = 160;
constexpr size_t kMaxAgentVersion = 32;  // the app descriptor's version field, without its NUL
constexpr size_t kMaxAgentChip = 16;
constexpr size_t kAgentIdLength = 8;
constexpr size_t kMaxAgentSlot = 16;    // a partition label

struct DeviceAgent {
  std::string version;  // [A-Za-z0-9._+-], 1..32
  std::string chip;     // [a-z0-9], 1..16: "esp32", or "unknown"
  std::string id;       // 8 lower-case hex digits
  std::string slot;     // [A-Za-z0-9._+-], 1..16: "app0", "app1"
  bool pending = false; // state=pending: the running image has not confirmed itself yet
};

std::optional<DeviceAgent> parse_device_agent(std::string_view user_agent);

}  // namespace vt132::server
