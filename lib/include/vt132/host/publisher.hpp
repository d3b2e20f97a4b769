#pragma once
// `vt132-release publish`: puts a release directory made by `create` on any GitHub-compatible
// API. Create as draft -> upload each asset -> publish. Every step first looks at what is
// already there, so a run interrupted anywhere is finished by running it again.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace vt132::host {

struct PublishRequest {
  std::filesystem::path dir;
  std::string api_url;  // https://api.github.com, or https://HOST:PORT/api/v3 for vt132-ota-server
  std::string repo;     // OWNER/NAME; empty: release.json's "repository"
  std::string token;
  std::string ca_file;  // trust this CA (a local server's); empty: the system's roots
  bool draft = false;   // leave it as a draft
  bool replace = false; // delete and re-upload assets whose content differs
  // Replacing assets of a published release needs `yes` or a `confirm` answering true; the
  // image may be replaced only by one of the same version.
  bool yes = false;
  std::function<bool(const std::string& question)> confirm;
  // Publish an unsigned release although the latest release is signed.
  bool allow_unsigned = false;
  int64_t now = 0;  // unix seconds, for the expiry warning; 0 = the current time
  std::function<void(const std::string& line)> say;
  std::function<void(const std::string& line)> warn;  // problems that do not stop the publication
  std::function<void(const std::string& asset, uint64_t sent, uint64_t total)> progress;
};

struct PublishResult {
  int64_t release_id = 0;
  std::string html_url;
  int uploaded = 0;
  int skipped = 0;   // already there with the same digest
  int replaced = 0;
  bool created = false;    // the release did not exist before this run
  bool published = false;  // it is not a draft now
};

// Throws Error (ApiError for HTTP failures) with a message a maintainer can act on.
PublishResult publish_release(const PublishRequest& request);

}  // namespace vt132::host
