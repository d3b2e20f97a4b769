#include "swap_request.hpp"

namespace vt132::server {

namespace {

bool swap_entry(const nlohmann::json& x) {
  return x.is_object() && x.size() == 2 && x.contains("asset_id") && x["asset_id"].is_number_unsigned() &&
         x.contains("name") && x["name"].is_string();
}

}  // namespace

std::optional<std::vector<AssetRename>> swap_request(const nlohmann::json& body) {
  if (!body.is_object() || body.size() != 1 || !body.contains("vt132_swap_assets")) return std::nullopt;
  const nlohmann::json& list = body["vt132_swap_assets"];
  if (!list.is_array() || list.empty() || list.size() > kMaxSwapEntries) return std::nullopt;
  std::vector<AssetRename> out;
  out.reserve(list.size());
  for (const nlohmann::json& x : list) {
    if (!swap_entry(x)) return std::nullopt;
    out.push_back({x["asset_id"].get<uint64_t>(), x["name"].get<std::string>()});
  }
  return out;
}

}  // namespace vt132::server
