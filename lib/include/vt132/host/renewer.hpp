#pragma once
// `vt132-release renew`: a published release's manifest signed again with a later expiry,
// so devices that know the time keep accepting a release that stays current for longer than
// its manifest's life. Only `expires` changes (and so the signature): the image, version,
// every other field and `created` (when the release was made) stay as they are. The assets
// replaced are the manifest, its signature and SHA256SUMS (whose lines for those two change).
//
// The new manifest and signature are uploaded under staging names first, checked against the
// image on the server, then swapped in so that no device reading the manifest and then its
// signature (as the firmware does) sees a new manifest with an old signature:
// - a server advertising "vt132_swap_assets" in its API root (vt132-ota-server) renames both
//   in one store write;
// - elsewhere (GitHub) the old signature goes first, then the manifest is replaced, then the
//   new signature is named: for those few requests a device finds no signature (and retries
//   later), never a pair that does not belong together.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace vt132::host {

struct RenewRequest {
  std::string api_url;
  std::string repo;   // OWNER/NAME
  std::string token;
  std::string ca_file;
  std::string tag;
  std::filesystem::path key;  // the private key that signed the release
  int expires_days = 365;
  int64_t now = 0;  // unix seconds; 0 = the current time
  std::function<void(const std::string& line)> say;
};

struct RenewResult {
  std::string old_expires;  // YYYY-MM-DDTHH:MM:SSZ
  std::string new_expires;
  std::string key_fingerprint;
  bool was_signed = false;
  bool single_write = false;  // the server swapped both assets in one write
};

// Error (ApiError for HTTP failures) with what to do; nothing on the server changes unless
// every check passed.
RenewResult renew_release(const RenewRequest& request);

}  // namespace vt132::host
