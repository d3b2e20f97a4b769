#include "storage.hpp"

#include <stdio.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include <spdlog/spdlog.h>

#include "names.hpp"
#include "release_codec.hpp"
#include "release_rules.hpp"
#include "vt132/host/file_io.hpp"

namespace vt132::server {
namespace fs = std::filesystem;
using host::Error;

namespace {

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A full disk is the client's to hear about (507), not only the log's.
template <typename F>
auto disk_full_reported(F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const host::FileError& e) {
    if (is_disk_full(e.code())) {
      throw StoreError(StoreError::DiskFull, "", "", std::string("the server's disk is full: ") + e.what());
    }
    throw;
  }
}

void make_dir(const fs::path& dir) { host::make_directories(dir, kStoreDirMode); }

}  // namespace

Store::Store(const fs::path& data_dir) : root_(data_dir / "store"), lock_(data_dir), quarantine_(root_) {
  make_dir(root_ / "repos");
  make_dir(root_ / "tmp");
  // Stores made before files were private were 0755/0644: closing the root closes them all.
  if (::chmod(root_.c_str(), kStoreDirMode) != 0) {
    const int code = errno;
    throw host::FileError("cannot make " + root_.string() + " private (chmod 700): " + std::strerror(code) +
                              "; the server must own its data directory",
                          code);
  }
  load();
}

std::string Store::repo_key(std::string_view owner, std::string_view name) {
  std::string key = std::string(owner) + "/" + std::string(name);
  for (char& c : key) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return key;
}

uint64_t Store::allocate_id() {
  if (next_id_ >= kMaxId) throw Error("id space exhausted");
  const uint64_t id = next_id_++;
  host::write_file_atomic(root_ / "next_id", std::to_string(next_id_), kStoreFileMode);
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
  state->dir = root_ / "repos" / std::to_string(state->repo.id);
  make_dir(state->dir / "releases");
  host::write_file_atomic(state->dir / "repo.json", repo_to_disk(state->repo), kStoreFileMode);
  host::sync_directory(root_ / "repos");
  RepoState& ref = *state;
  repos_[repo_key(owner, name)] = std::move(state);
  return ref;
}

fs::path Store::asset_file(const Repo& repo, uint64_t release_id, uint64_t asset_id) const {
  return root_ / "repos" / std::to_string(repo.id) / "releases" / std::to_string(release_id) / "assets" /
         std::to_string(asset_id);
}

fs::path Store::release_dir(const RepoState& repo, uint64_t id) const {
  return repo.dir / "releases" / std::to_string(id);
}

void Store::save_release(const RepoState& repo, const Release& release) const {
  host::write_file_atomic(release_dir(repo, release.id) / "release.json", release_to_disk(release), kStoreFileMode);
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

void Store::save_kept_tags(RepoState& repo, std::vector<std::string> tags) {
  host::write_file_atomic(repo.dir / "tags.json", tags_to_disk(tags), kStoreFileMode);
  repo.kept_tags = std::move(tags);
  bump();
}

void Store::keep_dropped_tag(RepoState& repo, const Release& old, const Release* now) {
  if (old.draft) return;  // a draft made no tag
  if (now != nullptr && !now->draft && now->tag_name == old.tag_name) return;
  const std::vector<std::string>& kept = repo.kept_tags;
  if (std::find(kept.begin(), kept.end(), old.tag_name) != kept.end()) return;
  if (kept.size() >= kMaxKeptTags) {
    // Refusing the delete would be worse than forgetting the oldest tag; say so.
    spdlog::warn("{}/{}: more than {} kept tags, forgetting {}", repo.repo.owner, repo.repo.name, kMaxKeptTags,
                 kept.front());
  }
  std::vector<std::string> tags(kept.size() >= kMaxKeptTags ? kept.begin() + 1 : kept.begin(), kept.end());
  tags.push_back(old.tag_name);
  save_kept_tags(repo, std::move(tags));
}

std::vector<LatestSeqChange> Store::plan_latest(const RepoState& repo, Release* subject, uint64_t subject_id,
                                                MakeLatest make_latest, bool published_now) {
  const ReleasePtr after = subject == nullptr ? nullptr : std::make_shared<const Release>(*subject);
  std::vector<LatestSeqChange> marks =
      settle_latest(repo.releases, after, subject_id, make_latest, published_now, next_latest_seq_);
  for (const LatestSeqChange& m : marks) {
    if (subject != nullptr && m.release_id == subject_id) subject->latest_seq = m.latest_seq;
  }
  return marks;
}

void Store::store_marks(RepoState& repo, const std::vector<LatestSeqChange>& marks, uint64_t subject_id,
                        bool gains) {
  for (const LatestSeqChange& m : marks) {
    if (m.release_id == subject_id || (m.latest_seq != 0) != gains) continue;
    const ReleasePtr old = find_release(&repo, m.release_id);
    if (!old) continue;
    Release r = *old;
    r.latest_seq = m.latest_seq;
    save_release(repo, r);
    replace_release(repo, std::make_shared<const Release>(std::move(r)));
  }
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

ReleasePtr Store::find_release_listing(const RepoState* repo, uint64_t asset_id, bool served_only) {
  if (repo == nullptr) return nullptr;
  for (const ReleasePtr& r : repo->releases) {
    if (served_only ? r->find_asset(asset_id) != nullptr : r->lists_asset(asset_id)) return r;
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

std::vector<std::string> Store::tags(std::string_view owner, std::string_view name) const {
  std::shared_lock lock(mutex_);
  std::vector<std::string> out;
  const RepoState* s = find_state(owner, name);
  if (s == nullptr) return out;
  for (auto it = s->releases.rbegin(); it != s->releases.rend(); ++it) {
    if (!(*it)->draft) out.push_back((*it)->tag_name);
  }
  for (auto it = s->kept_tags.rbegin(); it != s->kept_tags.rend(); ++it) {
    if (std::find(out.begin(), out.end(), *it) == out.end()) out.push_back(*it);
  }
  return out;
}

bool Store::tag_exists(std::string_view owner, std::string_view name, std::string_view tag) const {
  const std::vector<std::string> all = tags(owner, name);
  return std::find(all.begin(), all.end(), tag) != all.end();
}

void Store::delete_tag(std::string_view owner, std::string_view name, std::string_view tag) {
  std::unique_lock lock(mutex_);
  RepoState* repo = find_state(owner, name);
  if (repo == nullptr) throw StoreError(StoreError::NotFound, "Reference", "", "Not Found");
  for (const ReleasePtr& r : repo->releases) {
    if (!r->draft && r->tag_name == tag) {
      throw StoreError(StoreError::Invalid, "Reference", "ref",
                       "Tag " + std::string(tag) + " is used by release " + std::to_string(r->id) +
                           ": delete that release first (gh release delete --cleanup-tag does both)");
    }
  }
  std::vector<std::string> tags = repo->kept_tags;
  const auto it = std::find(tags.begin(), tags.end(), tag);
  if (it == tags.end()) throw StoreError(StoreError::NotFound, "Reference", "", "Reference does not exist");
  tags.erase(it);
  disk_full_reported([&] { save_kept_tags(*repo, std::move(tags)); });
}

ReleasePtr Store::latest(std::string_view owner, std::string_view name) const {
  std::shared_lock lock(mutex_);
  const RepoState* s = find_state(owner, name);
  return s == nullptr ? nullptr : select_latest(s->releases);
}

ReleasePtr Store::release_with_asset(std::string_view owner, std::string_view name, uint64_t asset_id) const {
  std::shared_lock lock(mutex_);
  return find_release_listing(find_state(owner, name), asset_id, true);
}

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
  return disk_full_reported([&] {
    RepoState& repo = find_or_create_state(owner, name);
    Release r;
    r.id = allocate_id();
    r.created_at = now_seconds();
    r.draft = true;  // so that apply_fields sees a publication when draft is false
    r.author = author;
    r.target_commitish = "main";
    ReleaseFields f = fields;
    if (!f.draft) f.draft = false;
    const bool published = apply_fields(r, f, now_seconds());
    const std::vector<LatestSeqChange> marks = plan_latest(repo, &r, r.id, f.make_latest, published);
    store_marks(repo, marks, r.id, true);
    // The directory and assets/ first, release.json last: see the protocol in store_recovery.cpp.
    make_dir(release_dir(repo, r.id) / "assets");
    save_release(repo, r);
    host::sync_directory(repo.dir / "releases");
    auto ptr = std::make_shared<const Release>(std::move(r));
    replace_release(repo, ptr);
    store_marks(repo, marks, ptr->id, false);
    return ReleasePtr(ptr);
  });
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
  const bool published = apply_fields(r, fields, now_seconds());
  const std::vector<LatestSeqChange> marks = plan_latest(*repo, &r, id, fields.make_latest, published);
  return disk_full_reported([&] {
    keep_dropped_tag(*repo, *old, &r);
    store_marks(*repo, marks, id, true);
    save_release(*repo, r);
    auto ptr = std::make_shared<const Release>(std::move(r));
    replace_release(*repo, ptr);
    store_marks(*repo, marks, id, false);
    return ReleasePtr(ptr);
  });
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
  const std::vector<LatestSeqChange> marks = plan_latest(*repo, nullptr, id, MakeLatest::Unset, false);
  disk_full_reported([&] { keep_dropped_tag(*repo, **it, nullptr); });
  // One rename takes the whole release out of view; removing the files can then fail
  // or be interrupted without anything reappearing.
  const fs::path dir = release_dir(*repo, id);
  const fs::path trash = root_ / "tmp" / ("deleted-" + std::to_string(id));
  if (::rename(dir.c_str(), trash.c_str()) != 0) {
    throw Error("cannot remove " + dir.string() + ": " + std::strerror(errno));
  }
  host::sync_directory(repo->dir / "releases");
  repo->releases.erase(it);
  bump();
  disk_full_reported([&] { store_marks(*repo, marks, id, false); });
  std::error_code ec;
  fs::remove_all(trash, ec);
}

std::unique_ptr<Upload> Store::begin_upload() {
  return disk_full_reported([&] { return Upload::create(root_ / "tmp"); });
}

std::unique_ptr<Upload> Store::resume_upload(std::string_view key) {
  const bool safe = !key.empty() && key.size() <= 64 &&
                    key.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string_view::npos;
  if (!safe) throw Error("resumable upload key \"" + std::string(key) + "\" is not [a-z0-9-]{1,64}");
  return disk_full_reported([&] {
    make_dir(root_ / "tmp" / "resume");
    return Upload::resume(root_ / "tmp" / "resume" / std::string(key));
  });
}

UploadResult Store::commit_upload(std::string_view owner, std::string_view name, uint64_t release_id,
                                  std::unique_ptr<Upload> upload, const std::string& asset_name,
                                  const std::string& label, const std::string& content_type,
                                  const std::string& uploader) {
  // Finish the file before taking the lock: fsync can take a while.
  const std::string sha256 = disk_full_reported([&] { return upload->finish(); });

  std::unique_lock lock(mutex_);
  RepoState* repo = find_state(owner, name);
  const ReleasePtr old = find_release(repo, release_id);
  if (!old) throw StoreError(StoreError::NotFound, "Release", "", "Not Found");
  if (const Asset* existing = old->find_asset(asset_name)) {
    if (existing->sha256 == sha256 && existing->size == upload->size()) return UploadResult{*existing, false};
    throw StoreError(StoreError::AlreadyExists, "ReleaseAsset", "name", "Validation Failed");
  }
  if (old->lists_asset(asset_name)) {
    throw StoreError(StoreError::AlreadyExists, "ReleaseAsset", "name",
                     "an unavailable asset (file missing or damaged) holds this name; delete it first");
  }
  if (old->assets.size() + old->unavailable.size() >= kMaxAssetsPerRelease) {
    throw StoreError(StoreError::TooMany, "ReleaseAsset", "", "too many assets in this release");
  }
  return disk_full_reported([&] {
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
    const fs::path final_path = assets_dir / std::to_string(a.id);
    upload->move_to(final_path);
    host::sync_directory(assets_dir);
    a.blob = Blob::map(final_path, a.size);
    Release r = *old;
    r.assets.push_back(a);
    r.updated_at = a.created_at;
    save_release(*repo, r);  // the asset becomes part of the release here, atomically
    replace_release(*repo, std::make_shared<const Release>(std::move(r)));
    return UploadResult{a, true};
  });
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
  const ReleasePtr old = find_release_listing(repo, asset_id, true);
  if (!old) throw StoreError(StoreError::NotFound, "ReleaseAsset", "", "Not Found");
  if (new_name) {
    const Asset* other = old->find_asset(*new_name);
    if ((other != nullptr && other->id != asset_id) || (other == nullptr && old->lists_asset(*new_name))) {
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
  a->updated_at = r.updated_at = now_seconds();
  const Asset result = *a;
  disk_full_reported([&] { save_release(*repo, r); });
  replace_release(*repo, std::make_shared<const Release>(std::move(r)));
  return result;
}

ReleasePtr Store::swap_assets(std::string_view owner, std::string_view name, uint64_t release_id,
                             const std::vector<AssetRename>& renames) {
  auto invalid = [](const std::string& why) { return StoreError(StoreError::Invalid, "ReleaseAsset", "name", why); };
  for (size_t i = 0; i < renames.size(); ++i) {
    if (!valid_asset_name(renames[i].name)) throw invalid("name is not a valid asset file name");
    for (size_t j = 0; j < i; ++j) {
      if (renames[j].name == renames[i].name || renames[j].asset_id == renames[i].asset_id) {
        throw invalid("each asset and each name may appear once");
      }
    }
  }
  std::unique_lock lock(mutex_);
  RepoState* repo = find_state(owner, name);
  const ReleasePtr old = find_release(repo, release_id);
  if (!old) throw StoreError(StoreError::NotFound, "Release", "", "Not Found");
  auto renamed = [&](uint64_t id) {
    return std::any_of(renames.begin(), renames.end(), [&](const AssetRename& x) { return x.asset_id == id; });
  };
  std::vector<uint64_t> replaced;
  for (const AssetRename& x : renames) {
    if (old->find_asset(x.asset_id) == nullptr) throw invalid("asset " + std::to_string(x.asset_id) + " is not in this release");
    const Asset* holder = old->find_asset(x.name);
    if (holder == nullptr && old->lists_asset(x.name)) {
      throw invalid("an unavailable asset (file missing or damaged) holds the name " + x.name + "; delete it first");
    }
    if (holder != nullptr && !renamed(holder->id)) replaced.push_back(holder->id);
  }
  Release r = *old;
  const int64_t now = now_seconds();
  r.assets.erase(std::remove_if(r.assets.begin(), r.assets.end(),
                                [&](const Asset& a) { return std::count(replaced.begin(), replaced.end(), a.id) > 0; }),
                 r.assets.end());
  for (Asset& a : r.assets) {
    for (const AssetRename& x : renames) {
      if (a.id == x.asset_id) {
        a.name = x.name;
        a.updated_at = now;
      }
    }
  }
  r.updated_at = now;
  disk_full_reported([&] { save_release(*repo, r); });  // the swap happens here, atomically
  auto result = std::make_shared<const Release>(std::move(r));
  replace_release(*repo, result);
  std::error_code ec;
  for (uint64_t id : replaced) fs::remove(release_dir(*repo, release_id) / "assets" / std::to_string(id), ec);
  return result;
}

void Store::delete_asset(std::string_view owner, std::string_view name, uint64_t asset_id) {
  std::unique_lock lock(mutex_);
  RepoState* repo = find_state(owner, name);
  const ReleasePtr old = find_release_listing(repo, asset_id, false);
  if (!old) throw StoreError(StoreError::NotFound, "ReleaseAsset", "", "Not Found");
  Release r = *old;
  r.assets.erase(std::remove_if(r.assets.begin(), r.assets.end(), [&](const Asset& a) { return a.id == asset_id; }),
                 r.assets.end());
  r.unavailable.erase(std::remove_if(r.unavailable.begin(), r.unavailable.end(),
                                     [&](const UnavailableAsset& u) { return u.asset.id == asset_id; }),
                      r.unavailable.end());
  r.updated_at = now_seconds();
  disk_full_reported([&] { save_release(*repo, r); });
  replace_release(*repo, std::make_shared<const Release>(std::move(r)));
  // Downloads in progress keep their mapping; the name is free for new bytes now.
  std::error_code ec;
  fs::remove(release_dir(*repo, old->id) / "assets" / std::to_string(asset_id), ec);
}

}  // namespace vt132::server
