#pragma once
// The release store: an in-memory index of repositories, releases and assets, backed by a
// data directory that survives a SIGKILL at any moment.
//
// On disk (under DATA/store), every name is a fixed word or an id this store handed out;
// no name from a request ever becomes a path, so traversal is impossible by construction:
//   next_id                              the id counter (ids are never reused)
//   repos/<repo id>/repo.json            {"owner", "name"}
//   repos/<repo id>/releases/<id>/release.json    metadata, the asset list included
//   repos/<repo id>/releases/<id>/assets/<asset id>   the bytes, immutable once written
//   tmp/                                 uploads in progress; emptied at start
// An upload is streamed to tmp/, fsynced, renamed into assets/ and only then listed in a
// new release.json (written to a temporary file, fsynced and renamed). A crash leaves at
// worst an unlisted file, which the next start removes. Published bytes never change.
//
// Readers get immutable snapshots (shared_ptr<const Release>) and never block on disk I/O;
// writers are serialized.
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace vt132::server {

// A read-only memory map of an asset file, shared by every download of it.
class Blob {
 public:
  static std::shared_ptr<const Blob> map(const std::filesystem::path& file, uint64_t expected_size);
  ~Blob();
  Blob(const Blob&) = delete;
  Blob& operator=(const Blob&) = delete;
  const char* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  Blob(const char* data, uint64_t size) : data_(data), size_(size) {}
  const char* data_;
  uint64_t size_;
};

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
  // Releases marked latest (make_latest true, GitHub's default on publishing) get a
  // increasing number; latest = the published stable release with the highest one.
  uint64_t latest_seq = 0;
  std::string author;
  std::vector<Asset> assets;

  const Asset* find_asset(std::string_view asset_name) const;
  const Asset* find_asset(uint64_t asset_id) const;
};
using ReleasePtr = std::shared_ptr<const Release>;

struct Repo {
  uint64_t id = 0;
  std::string owner;
  std::string name;
};

// What a write can fail with; the API maps each kind to a GitHub-style status and body.
class StoreError : public std::runtime_error {
 public:
  enum Kind { NotFound, AlreadyExists, Invalid, TooMany };
  StoreError(Kind kind, std::string resource, std::string field, const std::string& message)
      : std::runtime_error(message), kind_(kind), resource_(std::move(resource)), field_(std::move(field)) {}
  Kind kind() const { return kind_; }
  const std::string& resource() const { return resource_; }
  const std::string& field() const { return field_; }

 private:
  Kind kind_;
  std::string resource_;
  std::string field_;
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

// An upload being received: bytes go to a temporary file and are hashed on the way.
class Upload {
 public:
  ~Upload();
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;
  // False when the file cannot be written (the cause is logged).
  bool write(const char* data, size_t size);
  uint64_t size() const { return size_; }

 private:
  friend class Store;
  Upload() = default;
  int fd_ = -1;
  std::filesystem::path path_;
  uint64_t size_ = 0;
  struct Hash;
  std::unique_ptr<Hash> hash_;
};

struct UploadResult {
  Asset asset;
  bool created = false;  // false: the same bytes were already there under that name
};

class Store {
 public:
  static constexpr size_t kMaxReleasesPerRepo = 10000;
  static constexpr size_t kMaxAssetsPerRelease = 1000;
  static constexpr size_t kMaxRepos = 10000;

  // Opens (creating if needed) DIR/store, loads it and removes what a crash left behind.
  explicit Store(const std::filesystem::path& data_dir);

  // Reads: snapshots, safe from any thread. Owner and repo match case-insensitively.
  std::optional<Repo> find_repo(std::string_view owner, std::string_view name) const;
  std::vector<Repo> repos() const;
  // Newest first.
  std::vector<ReleasePtr> releases(std::string_view owner, std::string_view name, bool include_drafts) const;
  ReleasePtr release_by_id(std::string_view owner, std::string_view name, uint64_t id) const;
  ReleasePtr release_by_tag(std::string_view owner, std::string_view name, std::string_view tag) const;
  // The newest published non-prerelease release (highest latest_seq, then publication).
  ReleasePtr latest(std::string_view owner, std::string_view name) const;
  // The release holding asset `asset_id`, or null.
  ReleasePtr release_with_asset(std::string_view owner, std::string_view name, uint64_t asset_id) const;
  // Bumped by every write; cached responses older than it are stale.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

  // Writes; StoreError for what the client did wrong, vt132::host::Error for I/O failures.
  ReleasePtr create_release(std::string_view owner, std::string_view name, const ReleaseFields& fields,
                            const std::string& author);
  ReleasePtr update_release(std::string_view owner, std::string_view name, uint64_t id,
                            const ReleaseFields& fields);
  void delete_release(std::string_view owner, std::string_view name, uint64_t id);

  std::unique_ptr<Upload> begin_upload();
  UploadResult commit_upload(std::string_view owner, std::string_view name, uint64_t release_id,
                             std::unique_ptr<Upload> upload, const std::string& asset_name,
                             const std::string& label, const std::string& content_type,
                             const std::string& uploader);
  Asset update_asset(std::string_view owner, std::string_view name, uint64_t asset_id,
                     const std::optional<std::string>& new_name, const std::optional<std::string>& label);
  void delete_asset(std::string_view owner, std::string_view name, uint64_t asset_id);

 private:
  struct RepoState {
    Repo repo;
    std::filesystem::path dir;
    std::vector<ReleasePtr> releases;  // ascending id
  };

  void load();
  uint64_t allocate_id();  // callers hold the write lock
  RepoState* find_state(std::string_view owner, std::string_view name);
  const RepoState* find_state(std::string_view owner, std::string_view name) const;
  RepoState& find_or_create_state(std::string_view owner, std::string_view name);
  // Callers hold the lock; null when the repo or release does not exist.
  static ReleasePtr find_release(const RepoState* repo, uint64_t release_id);
  static ReleasePtr find_release_with_asset(const RepoState* repo, uint64_t asset_id);
  std::filesystem::path release_dir(const RepoState& repo, uint64_t id) const;
  void save_release(const RepoState& repo, const Release& release) const;
  void replace_release(RepoState& repo, ReleasePtr release);
  void bump() { generation_.fetch_add(1, std::memory_order_acq_rel); }

  std::filesystem::path root_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, std::unique_ptr<RepoState>> repos_;  // key: "owner/name" lower-case
  uint64_t next_id_ = 1;
  uint64_t next_latest_seq_ = 1;
  std::atomic<uint64_t> generation_{1};
};

// Unix seconds as GitHub prints them: 2026-01-02T03:04:05Z.
std::string iso8601(int64_t unix_seconds);

}  // namespace vt132::server
