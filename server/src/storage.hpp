#pragma once
// The release store: an in-memory index of repositories, releases and assets, backed by a
// data directory that survives a SIGKILL at any moment.
//
// On disk (under DATA/store, 0700; files 0600: drafts are for token holders only), every
// name is a fixed word or an id this store handed out; no name from a request ever becomes
// a path, so traversal is impossible by construction:
//   next_id                              the id counter (ids are never reused)
//   repos/<repo id>/repo.json            {"owner", "name"}
//   repos/<repo id>/tags.json            tags kept after their release went (below)
//   repos/<repo id>/releases/<id>/release.json    metadata, the asset list included
//   repos/<repo id>/releases/<id>/assets/<asset id>   the bytes, immutable once written
//   tmp/                                 uploads in progress; emptied at start
//   tmp/resume/<key>                     the mirror's downloads in progress (mirror.hpp), kept
//                                        at start so a restart continues them with Range
//   quarantine/<UTC time>/...            what a start found damaged (store_recovery.cpp)
// An upload is streamed to tmp/, fsynced, renamed into assets/ and only then listed in a
// new release.json (written to a temporary file, fsynced and renamed). A crash leaves at
// worst an unlisted file, which the next start removes. Published bytes never change.
//
// Tags: this server has no git. As on GitHub, publishing a release creates its tag, and
// deleting the release (or moving it to another tag) keeps the tag until it is deleted
// itself (DELETE .../git/refs/tags/{tag}); such tags are "kept" in tags.json. A draft's
// tag does not exist yet, as on GitHub where a draft's tag is created on publication.
//
// One process per data directory (DataLock). Readers get immutable snapshots
// (shared_ptr<const Release>) and never block on disk I/O; writers are serialized.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "blob.hpp"
#include "data_lock.hpp"
#include "quarantine.hpp"
#include "release.hpp"
#include "release_rules.hpp"
#include "store_errors.hpp"
#include "upload_file.hpp"

namespace vt132::server {

// Drafts and tokens' uploads are for token holders only, whatever the umask.
constexpr unsigned kStoreDirMode = 0700;
constexpr unsigned kStoreFileMode = 0600;

struct UploadResult {
  Asset asset;
  bool created = false;  // false: the same bytes were already there under that name
};

class Store {
 public:
  static constexpr size_t kMaxReleasesPerRepo = 10000;
  static constexpr size_t kMaxAssetsPerRelease = 1000;
  static constexpr size_t kMaxRepos = 10000;
  static constexpr size_t kMaxKeptTags = 10000;

  // Locks DATA (host::Error naming the holder's pid if another server has it), opens
  // (creating if needed) DATA/store and loads it: what a crash left behind is removed,
  // damaged files are quarantined, and a file the system will not let us read stops the
  // start (host::Error naming the file and what to do).
  explicit Store(const std::filesystem::path& data_dir);

  // Reads: snapshots, safe from any thread. Owner and repo match case-insensitively.
  std::optional<Repo> find_repo(std::string_view owner, std::string_view name) const;
  std::vector<Repo> repos() const;
  // Newest first.
  std::vector<ReleasePtr> releases(std::string_view owner, std::string_view name, bool include_drafts) const;
  ReleasePtr release_by_id(std::string_view owner, std::string_view name, uint64_t id) const;
  ReleasePtr release_by_tag(std::string_view owner, std::string_view name, std::string_view tag) const;
  // See select_latest (release_rules.hpp): a release with an unavailable asset is never it.
  ReleasePtr latest(std::string_view owner, std::string_view name) const;
  // Published releases' tags, newest first, then the kept tags, most recently kept first.
  std::vector<std::string> tags(std::string_view owner, std::string_view name) const;
  bool tag_exists(std::string_view owner, std::string_view name, std::string_view tag) const;
  // The release holding (serving) asset `asset_id`, or null.
  ReleasePtr release_with_asset(std::string_view owner, std::string_view name, uint64_t asset_id) const;
  // Where the bytes of asset `asset_id` of release `release_id` are stored: a path made of
  // ids only. For the static export's hard links; the file is immutable while listed.
  std::filesystem::path asset_file(const Repo& repo, uint64_t release_id, uint64_t asset_id) const;
  // Bumped by every write; cached responses older than it are stale.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  // What this start moved to quarantine (fixed after construction).
  const Quarantine& quarantine() const { return quarantine_; }

  // Writes; StoreError for what the client did wrong or a full disk (DiskFull),
  // vt132::host::Error for other I/O failures.
  ReleasePtr create_release(std::string_view owner, std::string_view name, const ReleaseFields& fields,
                            const std::string& author);
  ReleasePtr update_release(std::string_view owner, std::string_view name, uint64_t id,
                            const ReleaseFields& fields);
  void delete_release(std::string_view owner, std::string_view name, uint64_t id);

  std::unique_ptr<Upload> begin_upload();
  // A download that survives a restart: tmp/resume/<key>, continued if there. `key` is made
  // of [a-z0-9-] by the caller (never a name from outside), at most 64 characters.
  std::unique_ptr<Upload> resume_upload(std::string_view key);
  UploadResult commit_upload(std::string_view owner, std::string_view name, uint64_t release_id,
                             std::unique_ptr<Upload> upload, const std::string& asset_name,
                             const std::string& label, const std::string& content_type,
                             const std::string& uploader);
  Asset update_asset(std::string_view owner, std::string_view name, uint64_t asset_id,
                     const std::optional<std::string>& new_name, const std::optional<std::string>& label);
  // Gives each listed asset of release `release_id` its new name in one write of
  // release.json, deleting the assets that held those names: readers see all the renames or
  // none (e.g. a renewed manifest and its signature, never one without the other). Invalid
  // when an id is not a served asset of the release, or a name or id appears twice, or an
  // unavailable asset holds a name.
  ReleasePtr swap_assets(std::string_view owner, std::string_view name, uint64_t release_id,
                         const std::vector<AssetRename>& renames);
  // Also deletes an unavailable asset (listed, but its file was missing or damaged).
  void delete_asset(std::string_view owner, std::string_view name, uint64_t asset_id);
  // Deletes a kept tag: NotFound when no such tag, Invalid while a published release carries it.
  void delete_tag(std::string_view owner, std::string_view name, std::string_view tag);

 private:
  struct RepoState {
    Repo repo;
    std::filesystem::path dir;
    std::vector<ReleasePtr> releases;  // ascending id
    std::vector<std::string> kept_tags;  // oldest kept first
  };

  // store_recovery.cpp
  void load();
  void load_repo(uint64_t id, const std::filesystem::path& dir);
  void load_release(RepoState& state, uint64_t id, const std::filesystem::path& dir);
  void load_assets(Release& release, const std::filesystem::path& dir);
  void load_next_id(uint64_t max_id_seen);
  void load_kept_tags(RepoState& state);

  // "owner/name" lower-case: GitHub matches both case-insensitively.
  static std::string repo_key(std::string_view owner, std::string_view name);
  uint64_t allocate_id();  // callers hold the write lock
  RepoState* find_state(std::string_view owner, std::string_view name);
  const RepoState* find_state(std::string_view owner, std::string_view name) const;
  RepoState& find_or_create_state(std::string_view owner, std::string_view name);
  // Callers hold the lock; null when the repo or release does not exist.
  static ReleasePtr find_release(const RepoState* repo, uint64_t release_id);
  static ReleasePtr find_release_listing(const RepoState* repo, uint64_t asset_id, bool served_only);
  std::filesystem::path release_dir(const RepoState& repo, uint64_t id) const;
  void save_release(const RepoState& repo, const Release& release) const;
  void replace_release(RepoState& repo, ReleasePtr release);
  // Before `old` is replaced by `now` (null: deleted): keeps the tag `old` made if `now` no
  // longer carries it, writing tags.json first so a crash after it loses no tag.
  void keep_dropped_tag(RepoState& repo, const Release& old, const Release* now);
  void save_kept_tags(RepoState& repo, std::vector<std::string> tags);
  // settle_latest (release_rules.hpp) for an operation on release `subject_id`: `subject` is
  // it as it will be stored (null: deleted) and takes its own new mark here.
  std::vector<LatestSeqChange> plan_latest(const RepoState& repo, Release* subject, uint64_t subject_id,
                                           MakeLatest make_latest, bool published_now);
  // Stores the other releases' mark changes: `gains` (the new holder) before the subject is
  // written, then the cleared marks after it, so that a crash between leaves the intended
  // release latest.
  void store_marks(RepoState& repo, const std::vector<LatestSeqChange>& marks, uint64_t subject_id, bool gains);
  void bump() { generation_.fetch_add(1, std::memory_order_acq_rel); }

  std::filesystem::path root_;
  DataLock lock_;  // before anything touches root_
  Quarantine quarantine_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<RepoState>> repos_;  // key: "owner/name" lower-case
  uint64_t next_id_ = 1;
  uint64_t next_latest_seq_ = 1;
  std::atomic<uint64_t> generation_{1};
};

}  // namespace vt132::server
