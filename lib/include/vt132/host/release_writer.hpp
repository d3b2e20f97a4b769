#pragma once
// `vt132-release create`: turns a built image and a tag into a release directory that
// GitHub clients and vt132-ota-server take as it is:
//   <asset name>             the image (stamped with the tag's version if asked)
//   vt132-manifest.json      the manifest (docs/manifest.md)
//   vt132-manifest.json.sig  its detached ECDSA P-256 signature (with a key)
//   SHA256SUMS               checkable with `sha256sum -c`
//   release.json             a GitHub release object; fields only a server knows are null
//   <stem>-from-<V>.patch    with delta_from: a delta patch from each earlier release's image
//   FIRMWARE.zip             with bootloader: the flashing bundle (flash_bundle.hpp)
// The directory appears complete or not at all.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace vt132::host {

constexpr uint32_t kVt132AppSlotSize = 0x140000;  // app0/app1 in the VT132 partition table
constexpr size_t kMaxNotesSize = 125000;            // GitHub's limit for a release body
constexpr const char* kManifestAssetName = "vt132-manifest.json";
constexpr const char* kSignatureAssetName = "vt132-manifest.json.sig";
constexpr const char* kChecksumsAssetName = "SHA256SUMS";
constexpr const char* kReleaseJsonName = "release.json";

struct ReleaseRequest {
  std::filesystem::path image;
  std::string tag;
  std::filesystem::path out;
  std::optional<std::filesystem::path> key;
  std::optional<std::filesystem::path> notes;
  std::optional<bool> prerelease;  // default: the tag has a prerelease part
  std::string repo;                // OWNER/NAME, optional; recorded for publish
  std::string name;                // release title; default: the tag
  std::string asset_name = "VT132.bin";
  std::string chip = "esp32";
  uint32_t max_size = kVt132AppSlotSize;
  int expires_days = 365;
  bool stamp = false;              // write the tag's version into the image first
  // Earlier releases to make delta patches from: a release directory (its manifest names the
  // image) or an image file. At most core::kMaxManifestPatches.
  std::vector<std::filesystem::path> delta_from;
  // A second-stage bootloader: adds FIRMWARE.zip for first-time serial flashing, with the
  // partition table from `partitions` (CSV or binary) or else the VT132 layout.
  std::optional<std::filesystem::path> bootloader;
  std::optional<std::filesystem::path> partitions;
  int64_t now = 0;                 // unix seconds; 0 = the current time
};

struct ReleaseAsset {
  std::string name;
  uint64_t size;
  std::string sha256_hex;
};

struct ReleaseSummary {
  std::filesystem::path dir;
  std::string tag;
  bool prerelease;
  bool signed_manifest;
  std::string key_fingerprint;  // when signed
  std::string expires;          // YYYY-MM-DDTHH:MM:SSZ
  std::string previous_version; // the image's version before --stamp
  std::vector<ReleaseAsset> assets;
};

// Throws Error with a message a maintainer can act on; on error nothing is left in `out`.
ReleaseSummary create_release(const ReleaseRequest& request);

// How long a manifest may stay valid: `create --expires` and `renew --expires`.
constexpr int kMaxExpiresDays = 3650;
// Error unless 1 <= days <= kMaxExpiresDays.
void check_expires_days(int days);

// The version inside `request.image`, checked as create_release checks it (the image's
// structure and hashes, `chip`, `max_size`); Error naming the first problem otherwise. For
// callers that take the tag from the image (`vt132-ota-server add`).
std::string checked_image_version(const ReleaseRequest& request);

// OWNER/NAME as GitHub allows them (letters, digits, '-', '_', '.'; no "." or ".." parts).
bool valid_repo_name(const std::string& repo);
// A release asset name that is also a safe file name: [A-Za-z0-9._+-], 1..64, not dot-only.
bool valid_asset_name(const std::string& name);

}  // namespace vt132::host
