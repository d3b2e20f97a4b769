#pragma once
// What the store holds, as plain values: repositories, releases and their assets, and the
// fields a client may set on a release.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "blob.hpp"
#include "utc_time.hpp"

namespace vt132::server {

struct Asset {
  uint64_t id = 0;
  std::string name;
  std::string label;
  std::string content_type;
  uint64_t size = 0;
  std::string sha256;  // lower-case hex
  int64_t created_at = 0;  // Unix seconds
  int64_t updated_at = 0;
  std::string uploader;  // name of the token that uploaded it
  std::shared_ptr<const Blob> blob;
};

// An asset its release.json lists whose file was missing or damaged at start: kept in
// release.json (so restoring the file brings it back) but never offered for download.
struct UnavailableAsset {
  Asset asset;  // without a blob
  std::string reason;
};

struct Release {
  uint64_t id = 0;
  std::string tag_name;
  std::string target_commitish;
  std::string name;
  std::string body;
  bool draft = false;
  bool prerelease = false;
  int64_t created_at = 0;
  int64_t published_at = 0;  // 0 while a draft
  int64_t updated_at = 0;    // the last change to the release or its asset list
  // Non-zero on the one release explicitly set as latest (make_latest; stores written before
  // that rule may hold several, the highest wins). The rules: release_rules.hpp.
  uint64_t latest_seq = 0;
  std::string author;
  std::vector<Asset> assets;  // what is served
  std::vector<UnavailableAsset> unavailable;

  // False when an asset of it cannot be served: such a release is never `latest`.
  bool whole() const { return unavailable.empty(); }
  const Asset* find_asset(std::string_view asset_name) const;
  const Asset* find_asset(uint64_t asset_id) const;
  // Served or not: names and ids stay taken by unavailable assets too.
  bool lists_asset(std::string_view asset_name) const;
  bool lists_asset(uint64_t asset_id) const;
};
using ReleasePtr = std::shared_ptr<const Release>;

struct Repo {
  uint64_t id = 0;
  std::string owner;
  std::string name;
};

// "true" | "false" | "legacy", as GitHub's make_latest.
enum class MakeLatest { Unset, True, False, Legacy };

struct ReleaseFields {
  std::optional<std::string> tag_name;
  std::optional<std::string> target_commitish;
  std::optional<std::string> name;
  std::optional<std::string> body;
  std::optional<bool> draft;
  std::optional<bool> prerelease;
  MakeLatest make_latest = MakeLatest::Unset;
};

// One entry of a swap: the asset that is to carry `name` (Store::swap_assets).
struct AssetRename {
  uint64_t asset_id;
  std::string name;
};

}  // namespace vt132::server
