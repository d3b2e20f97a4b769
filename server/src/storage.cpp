#include "storage.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <random>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "names.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/hex.hpp"

namespace vt132::server {
namespace fs = std::filesystem;
using host::Error;
using json = nlohmann::json;

namespace {

constexpr size_t kMaxMetadataFile = 4u << 20;

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string repo_key(std::string_view owner, std::string_view name) {
  return lower(owner) + "/" + lower(name);
}

std::string errno_text() { return std::strerror(errno); }

json asset_to_disk(const Asset& a) {
  return {{"id", a.id},           {"name", a.name},
          {"label", a.label},     {"content_type", a.content_type},
          {"size", a.size},       {"sha256", a.sha256},
          {"created_at", a.created_at}, {"updated_at", a.updated_at},
          {"uploader", a.uploader}};
}

json release_to_disk(const Release& r) {
  json assets = json::array();
  for (const Asset& a : r.assets) assets.push_back(asset_to_disk(a));
  return {{"id", r.id},
          {"tag_name", r.tag_name},
          {"target_commitish", r.target_commitish},
          {"name", r.name},
          {"body", r.body},
          {"draft", r.draft},
          {"prerelease", r.prerelease},
          {"created_at", r.created_at},
          {"published_at", r.published_at},
          {"latest_seq", r.latest_seq},
          {"author", r.author},
          {"assets", assets}};
}

Release release_from_disk(const json& j) {
  Release r;
  r.id = j.at("id").get<uint64_t>();
  r.tag_name = j.at("tag_name").get<std::string>();
  r.target_commitish = j.at("target_commitish").get<std::string>();
  r.name = j.at("name").get<std::string>();
  r.body = j.at("body").get<std::string>();
  r.draft = j.at("draft").get<bool>();
  r.prerelease = j.at("prerelease").get<bool>();
  r.created_at = j.at("created_at").get<int64_t>();
  r.published_at = j.at("published_at").get<int64_t>();
  r.latest_seq = j.at("latest_seq").get<uint64_t>();
  r.author = j.at("author").get<std::string>();
  for (const json& ja : j.at("assets")) {
    Asset a;
    a.id = ja.at("id").get<uint64_t>();
    a.name = ja.at("name").get<std::string>();
    a.label = ja.at("label").get<std::string>();
    a.content_type = ja.at("content_type").get<std::string>();
    a.size = ja.at("size").get<uint64_t>();
    a.sha256 = ja.at("sha256").get<std::string>();
    a.created_at = ja.at("created_at").get<int64_t>();
    a.updated_at = ja.at("updated_at").get<int64_t>();
    a.uploader = ja.at("uploader").get<std::string>();
    r.assets.push_back(std::move(a));
  }
  if (!valid_tag(r.tag_name)) throw Error("invalid tag " + r.tag_name);
  return r;
}

json read_json(const fs::path& file) {
  const std::vector<uint8_t> bytes = host::read_file(file, kMaxMetadataFile);
  return json::parse(bytes.begin(), bytes.end());
}

// Directory entries whose name is an id this store made; anything else is not ours.
std::vector<std::pair<uint64_t, fs::path>> id_entries(const fs::path& dir) {
  std::vector<std::pair<uint64_t, fs::path>> out;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (auto id = parse_id(e.path().filename().string())) out.emplace_back(*id, e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void make_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create " + dir.string() + ": " + ec.message());
}

std::string hex_of_id(uint64_t id) { return std::to_string(id); }

}  // namespace

// ---- Blob ----

std::shared_ptr<const Blob> Blob::map(const fs::path& file, uint64_t expected_size) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error("cannot open " + file.string() + ": " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || static_cast<uint64_t>(st.st_size) != expected_size) {
    ::close(fd);
    throw Error(file.string() + " is not " + std::to_string(expected_size) + " bytes long");
  }
  const char* data = nullptr;
  if (expected_size > 0) {
    void* p = ::mmap(nullptr, expected_size, PROT_READ, MAP_SHARED, fd, 0);
    if (p == MAP_FAILED) {
      ::close(fd);
      throw Error("cannot map " + file.string() + ": " + errno_text());
    }
    data = static_cast<const char*>(p);
  }
  ::close(fd);
  return std::shared_ptr<const Blob>(new Blob(data, expected_size));
}

Blob::~Blob() {
  if (data_ != nullptr) ::munmap(const_cast<char*>(data_), size_);
}

// ---- Release ----

const Asset* Release::find_asset(std::string_view asset_name) const {
  for (const Asset& a : assets) {
    if (a.name == asset_name) return &a;
  }
  return nullptr;
}

const Asset* Release::find_asset(uint64_t asset_id) const {
  for (const Asset& a : assets) {
    if (a.id == asset_id) return &a;
  }
  return nullptr;
}

// ---- Upload ----

struct Upload::Hash {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Hash() { EVP_MD_CTX_free(ctx); }
};

Upload::~Upload() {
  if (fd_ >= 0) ::close(fd_);
  if (!path_.empty()) ::unlink(path_.c_str());
}

bool Upload::write(const char* data, size_t size) {
  if (EVP_DigestUpdate(hash_->ctx, data, size) != 1) return false;
  while (size > 0) {
    const ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      spdlog::error("cannot write upload {}: {}", path_.string(), errno_text());
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
    size_ += static_cast<uint64_t>(n);
  }
  return true;
}

// ---- Store ----

Store::Store(const fs::path& data_dir) : root_(data_dir / "store") {
  make_dir(root_ / "repos");
  make_dir(root_ / "tmp");
  load();
}

void Store::load() {
  // Uploads that were in progress when the server stopped are gone.
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(root_ / "tmp", ec)) {
    fs::remove_all(e.path(), ec);
  }
  uint64_t max_id = 0;
  for (const auto& [rid, rdir] : id_entries(root_ / "repos")) {
    max_id = std::max(max_id, rid);
    auto state = std::make_unique<RepoState>();
    try {
      const json rj = read_json(rdir / "repo.json");
      state->repo = Repo{rid, rj.at("owner").get<std::string>(), rj.at("name").get<std::string>()};
    } catch (const std::exception& e) {
      // Created but not completed before a crash: nothing in it was ever visible.
      spdlog::warn("removing incomplete repository directory {}: {}", rdir.string(), e.what());
      fs::remove_all(rdir, ec);
      continue;
    }
    if (!valid_owner(state->repo.owner) || !valid_repo(state->repo.name)) {
      spdlog::error("skipping {}: invalid repository name", rdir.string());
      continue;
    }
    state->dir = rdir;
    make_dir(rdir / "releases");
    for (const auto& [id, dir] : id_entries(rdir / "releases")) {
      max_id = std::max(max_id, id);
      Release r;
      try {
        r = release_from_disk(read_json(dir / "release.json"));
        if (r.id != id) throw Error("id mismatch");
      } catch (const std::exception& e) {
        spdlog::warn("removing incomplete release directory {}: {}", dir.string(), e.what());
        fs::remove_all(dir, ec);
        continue;
      }
      // Map every listed asset; remove files no release.json lists (a crash mid-upload).
      std::vector<Asset> kept;
      for (Asset& a : r.assets) {
        max_id = std::max(max_id, a.id);
        try {
          a.blob = Blob::map(dir / "assets" / hex_of_id(a.id), a.size);
          kept.push_back(std::move(a));
        } catch (const std::exception& e) {
          spdlog::error("release {} asset {}: {}; not served", r.tag_name, a.name, e.what());
        }
      }
      r.assets = std::move(kept);
      for (const auto& [aid, file] : id_entries(dir / "assets")) {
        if (r.find_asset(aid) == nullptr) {
          spdlog::info("removing unlisted asset file {}", file.string());
          fs::remove(file, ec);
        }
      }
      next_latest_seq_ = std::max(next_latest_seq_, r.latest_seq + 1);
      state->releases.push_back(std::make_shared<const Release>(std::move(r)));
    }
    const std::string key = repo_key(state->repo.owner, state->repo.name);
    repos_[key] = std::move(state);
  }
  uint64_t saved_next = 1;
  try {
    const std::vector<uint8_t> bytes = host::read_file(root_ / "next_id", 64);
    saved_next = std::stoull(std::string(bytes.begin(), bytes.end()));
  } catch (const std::exception&) {
    // Missing on first start; ids found on disk bound it anyway.
  }
  next_id_ = std::max(saved_next, max_id + 1);
}

uint64_t Store::allocate_id() {
  if (next_id_ >= kMaxId) throw Error("id space exhausted");
  const uint64_t id = next_id_++;
  host::write_file_atomic(root_ / "next_id", std::to_string(next_id_));
  return id;
}

Store::RepoState* Store::find_state(std::string_view owner, std::string_view name) {
  auto it = repos_.find(repo_key(owner, name));
  return it == repos_.end() ? nullptr : it->second.get();
}

const Store::RepoState* Store::find_state(std::string_view owner, std::string_view name) const {
  auto it = repos_.find(repo_key(owner, name));
  return it == repos_.end() ? nullptr : it->second.get();
}

Store::RepoState& Store::find_or_create_state(std::string_view owner, std::string_view name) {
  if (RepoState* s = find_state(owner, name)) return *s;
  if (repos_.size() >= kMaxRepos) {
    throw StoreError(StoreError::TooMany, "Repository", "", "too many repositories on this server");
  }
  auto state = std::make_unique<RepoState>();
  state->repo = Repo{allocate_id(), std::string(owner), std::string(name)};
  state->dir = root_ / "repos" / hex_of_id(state->repo.id);
  make_dir(state->dir / "releases");
  host::write_file_atomic(state->dir / "repo.json",
                          json{{"owner", state->repo.owner}, {"name", state->repo.name}}.dump());
  host::sync_directory(root_ / "repos");
  RepoState& ref = *state;
  repos_[repo_key(owner, name)] = std::move(state);
  return ref;
}

fs::path Store::release_dir(const RepoState& repo, uint64_t id) const {
  return repo.dir / "releases" / hex_of_id(id);
}

void Store::save_release(const RepoState& repo, const Release& release) const {
  host::write_file_atomic(release_dir(repo, release.id) / "release.json", release_to_disk(release).dump());
}

void Store::replace_release(RepoState& repo, ReleasePtr release) {
  for (ReleasePtr& r : repo.releases) {
    if (r->id == release->id) {
      r = std::move(release);
      bump();
      return;
    }
  }
  repo.releases.push_back(std::move(release));
  bump();
}

std::optional<Repo> Store::find_repo(std::string_view owner, std::string_view name) const {
  std::shared_lock lock(mutex_);
  const RepoState* s = find_state(owner, name);
  if (s == nullptr) return std::nullopt;
  return s->repo;
}

std::vector<Repo> Store::repos() const {
  std::shared_lock lock(mutex_);
  std::vector<Repo> out;
  for (const auto& [key, s] : repos_) out.push_back(s->repo);
  std::sort(out.begin(), out.end(), [](const Repo& a, const Repo& b) { return a.id < b.id; });
  return out;
}

std::vector<ReleasePtr> Store::releases(std::string_view owner, std::string_view name, bool include_drafts) const {
  std::shared_lock lock(mutex_);
  std::vector<ReleasePtr> out;
  const RepoState* s = find_state(owner, name);
  if (s == nullptr) return out;
  for (auto it = s->releases.rbegin(); it != s->releases.rend(); ++it) {
    if (include_drafts || !(*it)->draft) out.push_back(*it);
  }
  return out;
}

ReleasePtr Store::find_release(const RepoState* repo, uint64_t release_id) {
  if (repo == nullptr) return nullptr;
  for (const ReleasePtr& r : repo->releases) {
    if (r->id == release_id) return r;
  }
  return nullptr;
}

ReleasePtr Store::find_release_with_asset(const RepoState* repo, uint64_t asset_id) {
  if (repo == nullptr) return nullptr;
  for (const ReleasePtr& r : repo->releases) {
    if (r->find_asset(asset_id) != nullptr) return r;
  }
  return nullptr;
}

ReleasePtr Store::release_by_id(std::string_view owner, std::string_view name, uint64_t id) const {
  std::shared_lock lock(mutex_);
  return find_release(find_state(owner, name), id);
}

ReleasePtr Store::release_by_tag(std::string_view owner, std::string_view name, std::string_view tag) const {
  std::shared_lock lock(mutex_);
  const RepoState* s = find_state(owner, name);
  if (s == nullptr) return nullptr;
  for (const ReleasePtr& r : s->releases) {
    if (r->tag_name == tag) return r;
  }
  return nullptr;
}

ReleasePtr Store::latest(std::string_view owner, std::string_view name) const {
  std::shared_lock lock(mutex_);
  const RepoState* s = find_state(owner, name);
  if (s == nullptr) return nullptr;
  ReleasePtr best;
  for (const ReleasePtr& r : s->releases) {
    if (r->draft || r->prerelease) continue;
    if (!best || std::tie(r->latest_seq, r->published_at, r->id) >
                     std::tie(best->latest_seq, best->published_at, best->id)) {
      best = r;
    }
  }
  return best;
}

ReleasePtr Store::release_with_asset(std::string_view owner, std::string_view name, uint64_t asset_id) const {
  std::shared_lock lock(mutex_);
  const RepoState* s = find_state(owner, name);
  if (s == nullptr) return nullptr;
  for (const ReleasePtr& r : s->releases) {
    if (r->find_asset(asset_id) != nullptr) return r;
  }
  return nullptr;
}

namespace {

void check_fields(const ReleaseFields& f) {
  if (f.tag_name && !valid_tag(*f.tag_name)) {
    throw StoreError(StoreError::Invalid, "Release", "tag_name",
                     "tag_name is not a valid tag name (letters, digits, '.', '-', '_', '+'; at most 100)");
  }
  if (f.target_commitish && !valid_text(*f.target_commitish, 255, false)) {
    throw StoreError(StoreError::Invalid, "Release", "target_commitish", "target_commitish is invalid");
  }
  if (f.name && !valid_text(*f.name, kMaxReleaseNameLength, false)) {
    throw StoreError(StoreError::Invalid, "Release", "name", "name is too long or has control characters");
  }
  if (f.body && !valid_text(*f.body, kMaxReleaseBodyLength, true)) {
    throw StoreError(StoreError::Invalid, "Release", "body", "body is too long or not valid UTF-8 text");
  }
}

void apply_fields(Release& r, const ReleaseFields& f, uint64_t& next_latest_seq) {
  if (f.tag_name) r.tag_name = *f.tag_name;
  if (f.target_commitish) r.target_commitish = *f.target_commitish;
  if (f.name) r.name = *f.name;
  if (f.body) r.body = *f.body;
  if (f.prerelease) r.prerelease = *f.prerelease;
  const bool was_draft = r.draft;
  if (f.draft) r.draft = *f.draft;
  if (was_draft && !r.draft) r.published_at = now_seconds();
  if (!r.draft && r.published_at == 0) r.published_at = now_seconds();
  if (r.draft) r.published_at = 0;
  // GitHub: make_latest defaults to true, applied when a release is published.
  const bool publishing = was_draft && !r.draft;
  if (f.make_latest == MakeLatest::True || (f.make_latest == MakeLatest::Unset && publishing)) {
    r.latest_seq = next_latest_seq++;
  } else if (f.make_latest == MakeLatest::False || f.make_latest == MakeLatest::Legacy) {
    r.latest_seq = 0;
  }
}

}  // namespace

ReleasePtr Store::create_release(std::string_view owner, std::string_view name, const ReleaseFields& fields,
                                 const std::string& author) {
  if (!fields.tag_name) throw StoreError(StoreError::Invalid, "Release", "tag_name", "tag_name is required");
  check_fields(fields);
  std::unique_lock lock(mutex_);
  if (const RepoState* existing = find_state(owner, name)) {
    if (existing->releases.size() >= kMaxReleasesPerRepo) {
      throw StoreError(StoreError::TooMany, "Release", "", "too many releases in this repository");
    }
    for (const ReleasePtr& r : existing->releases) {
      if (r->tag_name == *fields.tag_name) {
        throw StoreError(StoreError::AlreadyExists, "Release", "tag_name", "Validation Failed");
      }
    }
  }
  RepoState& repo = find_or_create_state(owner, name);
  Release r;
  r.id = allocate_id();
  r.created_at = now_seconds();
  r.draft = true;  // so that apply_fields sees a publication when draft is false
  r.author = author;
  r.target_commitish = "main";
  ReleaseFields f = fields;
  if (!f.draft) f.draft = false;
  apply_fields(r, f, next_latest_seq_);
  const fs::path dir = release_dir(repo, r.id);
  make_dir(dir / "assets");
  save_release(repo, r);
  host::sync_directory(repo.dir / "releases");
  auto ptr = std::make_shared<const Release>(std::move(r));
  replace_release(repo, ptr);
  return ptr;
}

ReleasePtr Store::update_release(std::string_view owner, std::string_view name, uint64_t id,
                                 const ReleaseFields& fields) {
  check_fields(fields);
  std::unique_lock lock(mutex_);
  RepoState* repo = find_state(owner, name);
  const ReleasePtr old = find_release(repo, id);
  if (!old) throw StoreError(StoreError::NotFound, "Release", "", "Not Found");
  if (fields.tag_name && *fields.tag_name != old->tag_name) {
    for (const ReleasePtr& r : repo->releases) {
      if (r->tag_name == *fields.tag_name) {
        throw StoreError(StoreError::AlreadyExists, "Release", "tag_name", "Validation Failed");
      }
    }
  }
  Release r = *old;
  apply_fields(r, fields, next_latest_seq_);
  save_release(*repo, r);
  auto ptr = std::make_shared<const Release>(std::move(r));
  replace_release(*repo, ptr);
  return ptr;
}

void Store::delete_release(std::string_view owner, std::string_view name, uint64_t id) {
  std::unique_lock lock(mutex_);
  RepoState* repo = find_state(owner, name);
  auto it = repo == nullptr ? std::vector<ReleasePtr>::iterator{}
                            : std::find_if(repo->releases.begin(), repo->releases.end(),
                                           [&](const ReleasePtr& r) { return r->id == id; });
  if (repo == nullptr || it == repo->releases.end()) {
    throw StoreError(StoreError::NotFound, "Release", "", "Not Found");
  }
  // One rename takes the whole release out of view; removing the files can then fail
  // or be interrupted without anything reappearing.
  const fs::path dir = release_dir(*repo, id);
  const fs::path trash = root_ / "tmp" / ("deleted-" + hex_of_id(id));
  if (::rename(dir.c_str(), trash.c_str()) != 0) {
    throw Error("cannot remove " + dir.string() + ": " + errno_text());
  }
  host::sync_directory(repo->dir / "releases");
  repo->releases.erase(it);
  bump();
  std::error_code ec;
  fs::remove_all(trash, ec);
}

std::unique_ptr<Upload> Store::begin_upload() {
  std::unique_ptr<Upload> up(new Upload());
  std::random_device rd;
  for (int attempt = 0; attempt < 8 && up->fd_ < 0; ++attempt) {
    up->path_ = root_ / "tmp" / ("upload-" + std::to_string(rd()) + std::to_string(rd()));
    up->fd_ = ::open(up->path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  }
  if (up->fd_ < 0) {
    up->path_.clear();
    throw Error("cannot create an upload file in " + (root_ / "tmp").string() + ": " + errno_text());
  }
  up->hash_ = std::make_unique<Upload::Hash>();
  if (up->hash_->ctx == nullptr || EVP_DigestInit_ex(up->hash_->ctx, EVP_sha256(), nullptr) != 1) {
    throw Error("cannot start SHA-256");
  }
  return up;
}

UploadResult Store::commit_upload(std::string_view owner, std::string_view name, uint64_t release_id,
                                  std::unique_ptr<Upload> upload, const std::string& asset_name,
                                  const std::string& label, const std::string& content_type,
                                  const std::string& uploader) {
  // Finish the file before taking the lock: fsync can take a while.
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_DigestFinal_ex(upload->hash_->ctx, digest, &digest_len) != 1) throw Error("cannot finish SHA-256");
  const std::string sha256 = host::to_hex(digest, digest_len);
  if (::fsync(upload->fd_) != 0 || ::close(upload->fd_) != 0) {
    upload->fd_ = -1;
    throw Error("cannot write " + upload->path_.string() + ": " + errno_text());
  }
  upload->fd_ = -1;

  std::unique_lock lock(mutex_);
  RepoState* repo = find_state(owner, name);
  const ReleasePtr old = find_release(repo, release_id);
  if (!old) throw StoreError(StoreError::NotFound, "Release", "", "Not Found");
  if (const Asset* existing = old->find_asset(asset_name)) {
    if (existing->sha256 == sha256 && existing->size == upload->size()) return UploadResult{*existing, false};
    throw StoreError(StoreError::AlreadyExists, "ReleaseAsset", "name", "Validation Failed");
  }
  if (old->assets.size() >= kMaxAssetsPerRelease) {
    throw StoreError(StoreError::TooMany, "ReleaseAsset", "", "too many assets in this release");
  }
  Asset a;
  a.id = allocate_id();
  a.name = asset_name;
  a.label = label;
  a.content_type = content_type;
  a.size = upload->size();
  a.sha256 = sha256;
  a.created_at = a.updated_at = now_seconds();
  a.uploader = uploader;
  const fs::path assets_dir = release_dir(*repo, release_id) / "assets";
  const fs::path final_path = assets_dir / hex_of_id(a.id);
  if (::rename(upload->path_.c_str(), final_path.c_str()) != 0) {
    throw Error("cannot move upload to " + final_path.string() + ": " + errno_text());
  }
  upload->path_.clear();
  host::sync_directory(assets_dir);
  a.blob = Blob::map(final_path, a.size);
  Release r = *old;
  r.assets.push_back(a);
  save_release(*repo, r);  // the asset becomes part of the release here, atomically
  replace_release(*repo, std::make_shared<const Release>(std::move(r)));
  return UploadResult{a, true};
}

Asset Store::update_asset(std::string_view owner, std::string_view name, uint64_t asset_id,
                          const std::optional<std::string>& new_name, const std::optional<std::string>& label) {
  if (new_name && !valid_asset_name(*new_name)) {
    throw StoreError(StoreError::Invalid, "ReleaseAsset", "name", "name is not a valid asset file name");
  }
  if (label && !valid_text(*label, kMaxLabelLength, false)) {
    throw StoreError(StoreError::Invalid, "ReleaseAsset", "label", "label is too long or has control characters");
  }
  std::unique_lock lock(mutex_);
  RepoState* repo = find_state(owner, name);
  const ReleasePtr old = find_release_with_asset(repo, asset_id);
  if (!old) throw StoreError(StoreError::NotFound, "ReleaseAsset", "", "Not Found");
  if (new_name) {
    const Asset* other = old->find_asset(*new_name);
    if (other != nullptr && other->id != asset_id) {
      throw StoreError(StoreError::AlreadyExists, "ReleaseAsset", "name", "Validation Failed");
    }
  }
  Release r = *old;
  Asset* a = nullptr;
  for (Asset& x : r.assets) {
    if (x.id == asset_id) a = &x;
  }
  if (new_name) a->name = *new_name;
  if (label) a->label = *label;
  a->updated_at = now_seconds();
  const Asset result = *a;
  save_release(*repo, r);
  replace_release(*repo, std::make_shared<const Release>(std::move(r)));
  return result;
}

void Store::delete_asset(std::string_view owner, std::string_view name, uint64_t asset_id) {
  std::unique_lock lock(mutex_);
  RepoState* repo = find_state(owner, name);
  const ReleasePtr old = find_release_with_asset(repo, asset_id);
  if (!old) throw StoreError(StoreError::NotFound, "ReleaseAsset", "", "Not Found");
  Release r = *old;
  r.assets.erase(std::remove_if(r.assets.begin(), r.assets.end(),
                                [&](const Asset& a) { return a.id == asset_id; }),
                 r.assets.end());
  save_release(*repo, r);
  replace_release(*repo, std::make_shared<const Release>(std::move(r)));
  // Downloads in progress keep their mapping; the name is free for new bytes now.
  std::error_code ec;
  fs::remove(release_dir(*repo, old->id) / "assets" / hex_of_id(asset_id), ec);
}

std::string iso8601(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace vt132::server
