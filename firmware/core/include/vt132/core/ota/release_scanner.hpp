#pragma once
// Finds the release to install in a GitHub-shaped release document while it streams in:
// one release object (GET .../releases/latest) or an array of them (GET .../releases).
// A release JSON is tens of KB (notes, author and uploader objects, reactions); the scanner
// keeps only a fixed-size state and the few fields it needs:
//   tag_name, prerelease, draft, and per asset: name, browser_download_url, size.
// From an array it picks the highest version that is not a draft, and a prerelease only
// when those are allowed.
#include <cstddef>
#include <cstdint>

#include "vt132/core/version.hpp"

namespace vt132::core {

constexpr size_t kMaxAssetUrl = 255;
constexpr size_t kMaxAssetName = 63;
constexpr size_t kMaxJsonDepth = 16;
constexpr const char* kManifestAssetName = "vt132-manifest.json";
constexpr const char* kSignatureAssetName = "vt132-manifest.json.sig";
// Delta patch assets (docs/delta.md) are told by this ending; the signed manifest says which
// base each applies to. Three, as the manifest lists at most three (kMaxManifestPatches).
constexpr const char* kPatchAssetSuffix = ".patch";
constexpr size_t kMaxPatchAssets = 3;

struct ReleaseAsset {
  bool found = false;
  char url[kMaxAssetUrl + 1] = {};
  uint32_t size = 0;
};

struct ReleaseInfo {
  Version version;
  bool prerelease = false;
  ReleaseAsset image;
  ReleaseAsset manifest;
  ReleaseAsset signature;
  // The names of the first kMaxPatchAssets patch assets served next to the image: their URL
  // is the image's with the last path segment replaced by the name, as GitHub and the VT132
  // server serve assets (kept as names, not URLs, so the scanner stays within its 4 KiB).
  // Others are ignored: the full image is always there to fall back on.
  char patch_names[kMaxPatchAssets][kMaxAssetName + 1] = {};
  size_t patch_count = 0;
};

enum class ScanError {
  Ok,
  Syntax,
  TooDeep,
  TooLong,    // the URL of an asset we need is longer than kMaxAssetUrl
  NoRelease,  // no release this device may install (none, only drafts or unwanted prereleases)
  NoImage,    // installable releases, but none with the image asset
};

class ReleaseScanner {
 public:
  ReleaseScanner(const char* image_asset_name, bool allow_prerelease);

  // Returns false once the input is not JSON (or nests deeper than kMaxJsonDepth).
  bool feed(const char* data, size_t len);
  // Ok when the document was complete and a release with the image asset was found;
  // otherwise NoImage when a release it could install lacked only the image, else NoRelease.
  ScanError finish();
  const ReleaseInfo& release() const { return best_; }
  ScanError error() const { return error_; }

 private:
  enum class State : uint8_t { Value, ValueOrEnd, KeyOrEnd, Key, Colon, String, Literal, AfterValue, Done };
  enum class Field : uint8_t { None, Tag, Prerelease, Draft, Assets, AssetName, AssetUrl, AssetSize };

  bool step(char c);
  bool start_value(char c);
  bool open(bool array);
  bool close(bool array);
  bool end_value();
  bool string_char(char c);
  void store_char(char c);
  bool end_string();
  bool end_literal();
  void on_key();
  bool finish_asset();
  void keep_patch_asset();
  void finish_release();
  bool fail(ScanError e);

  const char* image_name_;
  bool allow_prerelease_;
  ScanError error_ = ScanError::Ok;
  State state_ = State::Value;
  bool is_array_[kMaxJsonDepth] = {};
  size_t depth_ = 0;
  size_t release_depth_ = 0;  // depth of a release object: 1 in a single release, 2 in a list
  bool in_assets_ = false;
  bool in_key_ = false;
  Field field_ = Field::None;
  uint8_t escape_ = 0;        // 1 after '\', 2..5 inside \uXXXX
  // Text of the current key, string or literal being captured.
  char text_[kMaxAssetUrl + 1] = {};
  size_t text_len_ = 0;
  bool text_overflow_ = false;
  // The release and asset being read, and the best release so far.
  ReleaseInfo cur_;
  bool cur_has_tag_ = false;
  bool cur_draft_ = false;
  char asset_name_[kMaxAssetName + 1] = {};
  ReleaseAsset asset_;
  bool asset_url_too_long_ = false;
  ReleaseInfo best_;
  bool has_best_ = false;
  bool release_without_image_ = false;
};

}  // namespace vt132::core
