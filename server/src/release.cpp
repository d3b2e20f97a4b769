#include "release.hpp"

namespace vt132::server {

const Asset* Release::find_asset(std::string_view asset_name) const {
  for (const Asset& a : assets) {
    if (a.name == asset_name) return &a;
  }
  return nullptr;
}

const Asset* Release::find_asset(uint64_t asset_id) const {
  for (const Asset& a : assets) {
    if (a.id == asset_id) return &a;
  }
  return nullptr;
}

bool Release::lists_asset(std::string_view asset_name) const {
  if (find_asset(asset_name) != nullptr) return true;
  for (const UnavailableAsset& u : unavailable) {
    if (u.asset.name == asset_name) return true;
  }
  return false;
}

bool Release::lists_asset(uint64_t asset_id) const {
  if (find_asset(asset_id) != nullptr) return true;
  for (const UnavailableAsset& u : unavailable) {
    if (u.asset.id == asset_id) return true;
  }
  return false;
}


}  // namespace vt132::server
