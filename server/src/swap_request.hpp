#pragma once
// The body of our PATCH extension to a release, {"vt132_swap_assets": [{"asset_id": N,
// "name": NAME}, ...]} (advertised in the API root; vt132-release renew swaps a manifest and
// its signature with it). Self-contained (nlohmann/json and release.hpp) for the fuzz target.
#include <cstddef>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "release.hpp"

namespace vt132::server {

constexpr size_t kMaxSwapEntries = 16;

// The renames `body` asks for, when the swap is its only field and a list of 1 to
// kMaxSwapEntries objects of exactly those two fields (an id that fits 64 bits, a string);
// nullopt for anything else. Names are checked later, as any asset name is.
std::optional<std::vector<AssetRename>> swap_request(const nlohmann::json& body);

}  // namespace vt132::server
