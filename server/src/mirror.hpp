#pragma once
// --mirror OWNER/NAME: a background thread that keeps a local copy of an upstream
// repository's releases (docs/local-server.md, "Following GitHub: --mirror").
//
// Each sync reads the upstream's release list (conditional on its ETag), and for every
// published upstream release not here yet: makes a local draft (invisible to devices),
// downloads each asset into the store's tmp/resume/ (a restart continues it with Range),
// checks it against the upstream `digest` and, with --trust-key, the release's signed
// vt132-manifest.json, stores it in the draft, and publishes the draft only when every
// asset passed: the store's own create/upload/publish path, so a release appears whole or
// not at all. Upstream deletions and edits are logged and followed only with --mirror-prune.
// A failed sync is retried with a growing delay (capped); what is here is served meanwhile.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "config.hpp"
#include "mirror_status.hpp"
#include "upstream_client.hpp"
#include "vt132/core/manifest.hpp"
#include "vt132/host/signing.hpp"

namespace vt132::server {

class Store;
struct Release;
struct UpstreamAsset;    // mirror.cpp: what the upstream's JSON says, checked
struct UpstreamRelease;

struct MirrorOptions {
  std::string repo;  // OWNER/NAME, the same locally and upstream
  UpstreamOptions upstream;
  int interval_s = 3600;
  std::filesystem::path trust_key;  // P-256 public key PEM; empty: digests only
  bool prune = false;
  uint64_t max_asset_bytes = 20u << 20;
};

// Bounds on one sync, whatever the upstream lists.
constexpr size_t kMirrorMaxReleases = 100;  // the newest, one list page
constexpr size_t kMirrorMaxAssets = 100;    // per release
// The author the mirror's releases carry: the releases it may edit or prune.
constexpr const char* kMirrorAuthor = "mirror";

// The delay before retry `failures` (1, 2, ...) after failed syncs: min(interval, 30 s)
// doubled each time, at most max(interval, 15 min).
int64_t mirror_backoff_seconds(int interval_s, uint64_t failures);

class Mirror {
 public:
  // host::Error for an unusable option (repo, URL, CA file, trust key).
  Mirror(MirrorOptions options, Store& store, MirrorStatus& status);
  ~Mirror();
  Mirror(const Mirror&) = delete;
  Mirror& operator=(const Mirror&) = delete;

  void start();  // the first sync begins at once
  void stop();   // ends a transfer in progress and joins; safe to call twice

 private:
  struct Counts;
  void run();
  // One sync: true when it completed (refused releases included); `result` says what it did.
  bool sync_once(std::string& result);
  // Makes `up` appear locally if it is not here yet (Refused: not published, with why).
  void mirror_release(const UpstreamRelease& up, bool newest_stable, Counts& counts);
  // Downloads, checks and adds one asset to draft `draft_id`; Refused when it fails a check.
  void fetch_asset(uint64_t draft_id, const UpstreamAsset& asset);
  // With --trust-key: the draft's manifest, signed by it and naming this tag; Refused otherwise.
  core::Manifest signed_manifest(const Release& draft) const;
  // signed_manifest, and it vouches for the image and patches the draft holds; returns the
  // asset names it vouches for. Refused otherwise.
  std::set<std::string> check_manifest(const Release& draft) const;
  // A local copy of an upstream release that changed or went: logged; followed if --mirror-prune.
  void follow_edit(const Release& local, const UpstreamRelease& up);
  void follow_removals(const std::set<std::string>& upstream_tags);
  void report_once(const std::string& key, const std::string& message);
  int64_t next_delay(bool ok);

  MirrorOptions options_;
  std::string owner_;
  std::string name_;
  Store& store_;
  MirrorStatus& status_;
  UpstreamClient client_;
  std::optional<host::VerifyKey> trust_key_;
  std::string etag_;  // of the last list that was fully mirrored
  std::set<std::string> reported_;  // upstream changes already logged once
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

// The mirror `config` asks for (--mirror and its options), not started; null without
// --mirror. host::Error for an unusable option, an unset --upstream-token-env variable.
std::unique_ptr<Mirror> make_mirror(const ServerConfig& config, Store& store, MirrorStatus& status);

}  // namespace vt132::server
