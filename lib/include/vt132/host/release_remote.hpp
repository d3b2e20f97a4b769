#pragma once
// A repository's releases as a GitHub-compatible server (GitHub or vt132-ota-server) holds
// them, for the commands that look at or change published releases: publish, renew, yank
// and status. Every answer is untrusted: fields are read with defaults, downloads bounded.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "vt132/core/manifest.hpp"
#include "vt132/host/github_client.hpp"

namespace vt132::host {

// The name prefix `yank` gives a release. The contract with the server's page and anyone
// reading a release list: a release whose name starts with it is yanked.
constexpr const char* kYankedPrefix = "[yanked] ";
// `publish` and the server's page warn when the latest release's manifest expires sooner.
constexpr int kExpiryWarningDays = 30;
// A manifest signature is a DER ECDSA P-256 signature: at most 72 bytes; leave room.
constexpr size_t kMaxSignatureAssetSize = 256;

std::string string_field(const nlohmann::json& j, const char* key);
bool bool_field(const nlohmann::json& j, const char* key);
// A missing or non-numeric id is the server's fault, said so (`what`: "release", "asset").
int64_t id_field(const nlohmann::json& j, const char* what);
bool is_yanked(const nlohmann::json& release);
// The asset called `name` in an array of asset objects, or nullptr.
const nlohmann::json* find_asset(const nlohmann::json& assets, const std::string& name);

class RemoteRepo {
 public:
  // Error when `repo` is not OWNER/NAME.
  RemoteRepo(GitHubClient& api, const std::string& repo);

  GitHubClient& api() { return api_; }
  const std::string& repo() const { return repo_; }
  // "/repos/OWNER/NAME" + rest: paths for GitHubClient.
  std::string path(const std::string& rest) const { return base_ + rest; }

  // A published release is found by tag; a draft only by listing (GitHub hides drafts
  // there, and lists them only to a token that may write). Null when there is none.
  nlohmann::json find_release(const std::string& tag);
  // Every release the token may see, as the server orders them (newest first); at most 1,000.
  std::vector<nlohmann::json> releases();
  // What GET /releases/latest answers, or null.
  nlohmann::json latest();
  // An asset's bytes (Error when larger than `max_bytes`).
  std::string download(const nlohmann::json& asset, size_t max_bytes);

 private:
  GitHubClient& api_;
  std::string repo_;
  std::string base_;
};

struct RemoteManifest {
  std::string text;        // the manifest file, exactly as served
  std::string signature;   // the .sig asset's bytes; empty when there is none
  bool has_signature = false;
  core::Manifest manifest;
};

// The release's manifest and signature; nullopt when it has no manifest asset, Error when
// the manifest cannot be fetched or is not one devices accept.
std::optional<RemoteManifest> fetch_manifest(RemoteRepo& repo, const nlohmann::json& release);

// "YYYY-MM-DDTHH:MM:SSZ".
std::string utc_text(int64_t unix_seconds);

}  // namespace vt132::host
