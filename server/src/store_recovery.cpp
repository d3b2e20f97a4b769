// Store::load: what the store does with its data directory at start.
//
// The rule: only what our own write protocol can leave behind is removed; anything else is
// kept. What each write does, in order, and so what a crash (SIGKILL, power loss) between
// two of its steps can leave:
//   allocate_id      next_id rewritten by host::write_file_atomic: a ".next_id.tmpN" file
//                    beside it (the temporary of every atomic write is ".NAME.tmpN").
//   a new repository repos/<id>/, then repos/<id>/releases/, then repo.json: a repository
//                    directory with no repo.json holding at most an empty releases/ and a
//                    ".repo.json.tmpN".
//   create_release   releases/<id>/, then releases/<id>/assets/, then release.json: a
//                    release directory with no release.json holding at most an empty
//                    assets/ and a ".release.json.tmpN".
//   update_release, update_asset: release.json rewritten: a ".release.json.tmpN" beside it.
//   an upload        tmp/upload-N streamed and fsynced, renamed to assets/<asset id>, then
//                    release.json rewritten listing it: tmp/upload-N, or an asset file that
//                    no release.json lists.
//   delete_asset     release.json rewritten without the asset, then the file removed: an
//                    asset file that no release.json lists.
//   delete_release   tags.json rewritten keeping the release's tag (as update_release does
//                    when a published release leaves its tag), then the release directory
//                    renamed to tmp/deleted-<id>, then removed: a ".tags.json.tmpN", a kept
//                    tag whose release is still there (harmless: a tag exists either way),
//                    or tmp/deleted-<id>, part-removed.
//   DELETE git/refs/tags/X   tags.json rewritten: a ".tags.json.tmpN".
//   a quarantine     one rename: the file is either still in place or in quarantine/.
//   a mirror download  tmp/resume/<key> appended to, then moved into assets/ as an upload is:
//                    kept at start (the mirror continues it with a Range request).
// So at start, and only these, are removed: everything in tmp/ but tmp/resume/, those ".NAME.tmpN" files,
// those incomplete repository and release directories, and regular files named by an id in
// a release's assets/ that its (valid) release.json does not list.
//
// Everything else found wrong is never deleted:
//   - the system refuses (EACCES, EIO, EMFILE, ENOMEM, ...; anything but ENOENT where a
//     file may be missing): the start stops with host::Error naming the file, the error and
//     what to do. Nothing about the file's content is concluded from an error reading it.
//   - the content is wrong (not the JSON we write, a field invalid, an id that is not its
//     directory's, an asset whose size is not the listed one): the file (for a bad
//     release.json or repo.json, its whole directory, so its assets stay with it; a bad
//     tags.json alone: the repository then lists only its releases' tags) is moved
//     to quarantine/<UTC time>/<its path under store/>, logged as an error, counted in
//     vt132_store_quarantined_files_total and shown on the HTML page.
//   - a release whose asset is missing or was quarantined stays, with that asset listed as
//     unavailable: it is never `latest` and the asset is not offered for download.
#include <algorithm>
#include <cerrno>
#include <optional>
#include <set>

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "names.hpp"
#include "release_codec.hpp"
#include "storage.hpp"
#include "vt132/host/file_io.hpp"

namespace vt132::server {
namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxMetadataFile = 4u << 20;

// A system error while reading the store: the start stops, and the operator is told what
// to do. Guessing (deleting, or serving without the file) could lose a published release.
[[noreturn]] void stop_start(const std::string& what) {
  throw host::Error(what +
                    "\nThe server did not start and changed nothing about that file. Fix the cause (for a "
                    "permission error: the server's user, uid " +
                    std::to_string(::getuid()) + ", must own the data directory; for an I/O error: check the disk), "
                    "then start the server again.");
}

// The entries of `dir` whose name is an id this store made, ascending.
std::vector<std::pair<uint64_t, fs::path>> id_entries(const fs::path& dir) {
  std::vector<std::pair<uint64_t, fs::path>> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (auto id = parse_id(it->path().filename().string())) out.emplace_back(*id, it->path());
  }
  if (ec) stop_start("cannot list " + dir.string() + ": " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> entries(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return out;
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) out.push_back(it->path());
  if (ec) stop_start("cannot list " + dir.string() + ": " + ec.message());
  return out;
}

void remove_leftover(const fs::path& path, const char* what) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) stop_start("cannot remove " + path.string() + " (" + what + "): " + ec.message());
  spdlog::info("removed {} left by an interrupted write: {}", what, path.string());
}

// Removes the temporaries of interrupted atomic writes of `dir/target_name`.
void remove_write_temps(const fs::path& dir, const char* target_name) {
  for (const fs::path& p : entries(dir)) {
    if (host::is_atomic_write_temp(p, target_name)) remove_leftover(p, "a temporary file");
  }
}

// True when `dir` holds nothing but what the create step can leave before `json_name` is
// written: an empty `sub_dir` and temporaries of `json_name`.
bool only_create_leftovers(const fs::path& dir, const char* sub_dir, const char* json_name) {
  for (const fs::path& p : entries(dir)) {
    if (host::is_atomic_write_temp(p, json_name)) continue;
    if (p.filename() == sub_dir && fs::is_directory(fs::symlink_status(p)) && entries(p).empty()) continue;
    return false;
  }
  return true;
}

// The bytes of a metadata file; nullopt when it does not exist. DamagedFile when it is
// not a regular file or is too large; a system error stops the start.
std::optional<std::vector<uint8_t>> read_metadata(const fs::path& file) {
  try {
    return host::read_file(file, kMaxMetadataFile);
  } catch (const host::FileError& e) {
    if (e.code() == ENOENT) return std::nullopt;
    stop_start(e.what());
  } catch (const host::Error& e) {
    throw DamagedFile(e.what());
  }
}

// The highest id named anywhere under `dir`, so no id is handed out twice even when
// next_id is lost or a directory went to quarantine.
uint64_t max_id_under(const fs::path& dir) {
  uint64_t max_id = 0;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec);
  if (ec == std::errc::no_such_file_or_directory) return 0;
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (auto id = parse_id(it->path().filename().string())) max_id = std::max(max_id, *id);
  }
  if (ec) stop_start("cannot list " + dir.string() + ": " + ec.message());
  return max_id;
}

void make_dir_private(const fs::path& dir) { host::make_directories(dir, kStoreDirMode); }

}  // namespace

void Store::load() {
  for (const fs::path& p : entries(root_ / "tmp")) {
    if (p.filename() != "resume") remove_leftover(p, "an upload or deletion in progress");
  }
  remove_write_temps(root_, "next_id");
  const uint64_t max_id = std::max(max_id_under(root_ / "repos"), max_id_under(root_ / "quarantine"));
  for (const auto& [id, dir] : id_entries(root_ / "repos")) load_repo(id, dir);
  load_next_id(max_id);
  if (!quarantine_.moved().empty()) {
    spdlog::error("{} damaged file(s) moved to {} at this start; see the lines above", quarantine_.moved().size(),
                  quarantine_.dir().string());
  }
}

void Store::load_repo(uint64_t id, const fs::path& dir) {
  remove_write_temps(dir, "repo.json");
  auto state = std::make_unique<RepoState>();
  state->dir = dir;
  try {
    const std::optional<std::vector<uint8_t>> bytes = read_metadata(dir / "repo.json");
    if (!bytes) {
      if (only_create_leftovers(dir, "releases", "repo.json")) return remove_leftover(dir, "an unfinished repository");
      throw DamagedFile("repo.json is missing but the directory holds releases");
    }
    state->repo = repo_from_disk(*bytes, id);
    if (const RepoState* other = find_state(state->repo.owner, state->repo.name)) {
      throw DamagedFile(state->repo.owner + "/" + state->repo.name + " is also repository " +
                        std::to_string(other->repo.id));
    }
  } catch (const DamagedFile& e) {
    // Without a valid repo.json nothing in it can be named: the whole repository goes.
    return quarantine_.move(dir, "repo.json: " + std::string(e.what()));
  }
  make_dir_private(dir / "releases");
  for (const auto& [release_id, release_dir] : id_entries(dir / "releases")) {
    load_release(*state, release_id, release_dir);
  }
  load_kept_tags(*state);
  const std::string key = repo_key(state->repo.owner, state->repo.name);
  repos_[key] = std::move(state);
}

void Store::load_release(RepoState& state, uint64_t id, const fs::path& dir) {
  remove_write_temps(dir, "release.json");
  Release r;
  try {
    const std::optional<std::vector<uint8_t>> bytes = read_metadata(dir / "release.json");
    if (!bytes) {
      if (only_create_leftovers(dir, "assets", "release.json")) return remove_leftover(dir, "an unfinished release");
      throw DamagedFile("release.json is missing but assets/ holds files");
    }
    r = release_from_disk(*bytes, id);
    for (const ReleasePtr& other : state.releases) {
      if (other->tag_name == r.tag_name) {
        throw DamagedFile("tag " + r.tag_name + " is also release " + std::to_string(other->id));
      }
    }
  } catch (const DamagedFile& e) {
    // The assets stay with their release.json, for the operator to repair both together.
    return quarantine_.move(dir, "release.json: " + std::string(e.what()));
  }
  make_dir_private(dir / "assets");
  load_assets(r, dir / "assets");
  next_latest_seq_ = std::max(next_latest_seq_, r.latest_seq + 1);
  state.releases.push_back(std::make_shared<const Release>(std::move(r)));
}

void Store::load_assets(Release& r, const fs::path& dir) {
  std::vector<Asset> listed = std::move(r.assets);
  r.assets.clear();
  std::set<uint64_t> ids;
  for (Asset& a : listed) {
    ids.insert(a.id);
    next_id_ = std::max(next_id_, a.id + 1);  // listed ids stay taken, file or not
    const fs::path file = dir / std::to_string(a.id);
    try {
      a.blob = Blob::map(file, a.size);
      r.assets.push_back(std::move(a));
    } catch (const host::FileError& e) {
      if (e.code() != ENOENT) stop_start(e.what());
      spdlog::error("release {}: asset {} ({}) is missing; the release is kept but not served as latest",
                    r.tag_name, a.name, file.string());
      r.unavailable.push_back(UnavailableAsset{std::move(a), "its file is missing"});
    } catch (const DamagedFile& e) {
      quarantine_.move(file, e.what());
      r.unavailable.push_back(
          UnavailableAsset{std::move(a), "its file was damaged and moved to " + quarantine_.dir().string()});
    }
  }
  for (const auto& [id, file] : id_entries(dir)) {
    if (ids.count(id) == 0 && fs::is_regular_file(fs::symlink_status(file))) {
      remove_leftover(file, "an asset file its release.json does not list");
    }
  }
}

void Store::load_kept_tags(RepoState& state) {
  remove_write_temps(state.dir, "tags.json");
  const fs::path file = state.dir / "tags.json";
  try {
    const std::optional<std::vector<uint8_t>> bytes = read_metadata(file);
    if (bytes) state.kept_tags = tags_from_disk(*bytes, kMaxKeptTags);  // none kept yet otherwise
  } catch (const DamagedFile& e) {
    quarantine_.move(file, "tags.json: " + std::string(e.what()));
  }
}

void Store::load_next_id(uint64_t max_id_seen) {
  uint64_t saved = 0;
  try {
    const std::optional<std::vector<uint8_t>> bytes = read_metadata(root_ / "next_id");
    // Missing on the first start only; the ids on disk bound it anyway.
    if (bytes) {
      const std::optional<uint64_t> id = parse_id(std::string(bytes->begin(), bytes->end()));
      if (!id) throw DamagedFile("not a decimal id");
      saved = *id;
    }
  } catch (const DamagedFile& e) {
    quarantine_.move(root_ / "next_id", e.what());
  }
  next_id_ = std::max({next_id_, saved, max_id_seen + 1});
}

}  // namespace vt132::server
