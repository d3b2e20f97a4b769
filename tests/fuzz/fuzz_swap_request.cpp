// libFuzzer target for the vt132_swap_assets PATCH body: any bytes the JSON parser accepts
// are either refused or give 1 to 16 renames, never a crash or an exception.
#include <cstdint>
#include <cstdlib>

#include "../../server/src/swap_request.cpp"

using namespace vt132::server;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The server parses bodies of up to 1 MiB the same way (api.cpp parse_object).
  const nlohmann::json body = nlohmann::json::parse(data, data + size, nullptr, false);
  if (body.is_discarded()) return 0;
  const auto renames = swap_request(body);
  if (renames && (renames->empty() || renames->size() > kMaxSwapEntries)) std::abort();
  return 0;
}
