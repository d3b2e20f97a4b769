#pragma once
// `vt132-release status`: what a repository's releases look like to devices: each release's
// version and state, whether its manifest is signed (and by the trusted key), when the
// manifest expires, and whether the assets the manifest names have the digests it names.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace vt132::host {

struct AssetStatus {
  std::string name;
  uint64_t size = 0;
  std::string digest;  // "sha256:<hex>" as the server reports it; "" when it does not
  // For assets the manifest names (image, patches): "match" or "MISMATCH"; "" otherwise.
  std::string manifest_check;
};

struct ReleaseStatusRow {
  std::string tag;
  std::string name;
  std::string state;        // "published", "prerelease", "draft", "yanked" (+ " latest")
  bool latest = false;
  std::string published_at;  // as the server gives it; "" for drafts
  bool has_manifest = false;
  std::string manifest_version;
  std::string manifest_error;  // the manifest could not be read or parsed
  std::string expires;
  int64_t expires_in_days = 0;  // negative: expired
  // "unsigned", "signed (key not checked)", "signed by <fingerprint>", "BAD SIGNATURE".
  std::string signature;
  bool digests_match = true;  // every asset the manifest names is there with its digest
  std::vector<AssetStatus> assets;
};

struct StatusRequest {
  std::string api_url;
  std::string repo;
  std::string token;    // optional: with one, drafts are listed too
  std::string ca_file;
  std::string trust_key;  // public key PEM to verify signatures with; empty: not checked
  int64_t now = 0;
};

std::vector<ReleaseStatusRow> release_status(const StatusRequest& request);
nlohmann::json status_to_json(const std::vector<ReleaseStatusRow>& rows);
std::string status_to_text(const std::vector<ReleaseStatusRow>& rows);

}  // namespace vt132::host
