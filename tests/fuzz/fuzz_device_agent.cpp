// libFuzzer target for the server's User-Agent parser (server/src/device_agent.cpp): any
// header text either is refused or yields fields within their documented bounds and
// character sets, and formatting those fields the way the firmware does gives back the input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../../server/src/device_agent.cpp"

using namespace vt132::server;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

bool only(std::string_view s, bool (*ok)(char)) {
  for (char c : s) {
    if (!ok(c)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::optional<DeviceAgent> a = parse_device_agent(input);
  if (!a) return 0;
  check(size <= kMaxDeviceAgent);
  check(!a->version.empty() && a->version.size() <= kMaxAgentVersion && only(a->version, token_char));
  check(!a->chip.empty() && a->chip.size() <= kMaxAgentChip && only(a->chip, chip_char));
  check(a->id.size() == kAgentIdLength && only(a->id, hex_char));
  check(!a->slot.empty() && a->slot.size() <= kMaxAgentSlot && only(a->slot, token_char));
  const std::string again = "VT132/" + a->version + " (" + a->chip + "; id=" + a->id + "; slot=" + a->slot +
                            "; state=" + (a->pending ? "pending" : "valid") + ")";
  check(again == input);
  return 0;
}
