#include "release_import.hpp"

#include <sys/stat.h>

#include <algorithm>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "names.hpp"
#include "vt132/core/sha256.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/release_writer.hpp"

namespace vt132::server {
namespace fs = std::filesystem;
using json = nlohmann::json;
using host::Error;

namespace {

constexpr size_t kMaxReleaseJson = 1u << 20;
constexpr size_t kMaxContentType = 100;

struct ImportAsset {
  std::string name;
  std::string content_type;
  uint64_t size = 0;
  std::string sha256;  // lower-case hex
};

struct ReleaseDir {
  std::string repo;  // empty: none named
  std::string tag;
  std::string name;
  std::string body;
  bool prerelease = false;
  std::vector<ImportAsset> assets;
};

std::string sha256_hex(const std::vector<uint8_t>& bytes) {
  const auto d = core::Sha256::of(bytes.data(), bytes.size());
  return host::to_hex(d.data(), d.size());
}

bool valid_content_type(const std::string& s) {
  return !s.empty() && s.size() <= kMaxContentType && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' || c == '.' || c == '+' || c == '-';
  });
}

ImportAsset parse_asset(const json& a) {
  ImportAsset asset;
  asset.name = a.at("name").get<std::string>();
  if (!valid_asset_name(asset.name) || asset.name == host::kReleaseJsonName) {
    throw Error("asset name \"" + host::printable(asset.name.substr(0, 100)) + "\" is not a plain file name");
  }
  asset.size = a.at("size").get<uint64_t>();
  if (asset.size > kMaxImportAssetBytes) throw Error(asset.name + " is larger than " + std::to_string(kMaxImportAssetBytes) + " bytes");
  const std::string digest = a.at("digest").get<std::string>();
  asset.sha256 = digest.substr(std::min<size_t>(digest.size(), 7));
  if (digest.rfind("sha256:", 0) != 0 || asset.sha256.size() != 64 ||
      asset.sha256.find_first_not_of("0123456789abcdef") != std::string::npos) {
    throw Error(asset.name + ": digest is not sha256:<64 lower-case hex digits>");
  }
  const json& type = a.value("content_type", json());
  asset.content_type = type.is_string() ? type.get<std::string>() : "";
  if (!valid_content_type(asset.content_type)) asset.content_type = "application/octet-stream";
  return asset;
}

// release.json, checked: bounded, the fields create writes, asset names unique.
ReleaseDir read_release_json(const fs::path& dir) {
  const fs::path file = dir / host::kReleaseJsonName;
  const std::vector<uint8_t> bytes = host::read_file(file, kMaxReleaseJson);
  ReleaseDir r;
  try {
    const json j = json::parse(bytes.begin(), bytes.end());
    r.tag = j.at("tag_name").get<std::string>();
    r.name = j.value("name", json()).is_string() ? j.at("name").get<std::string>() : r.tag;
    r.body = j.value("body", json()).is_string() ? j.at("body").get<std::string>() : "";
    r.prerelease = j.value("prerelease", false);
    const json& repo = j.value("repository", json());
    if (repo.is_object()) r.repo = repo.at("full_name").get<std::string>();
    const json& assets = j.at("assets");
    if (!assets.is_array() || assets.empty() || assets.size() > kMaxImportAssets) {
      throw Error("assets must list 1 to " + std::to_string(kMaxImportAssets) + " files");
    }
    for (const json& a : assets) r.assets.push_back(parse_asset(a));
  } catch (const json::exception& e) {
    throw Error(file.string() + " is not a release.json made by vt132-release create: " + e.what());
  } catch (const Error& e) {
    throw Error(file.string() + ": " + e.what());
  }
  if (!valid_tag(r.tag)) throw Error(file.string() + ": tag \"" + host::printable(r.tag.substr(0, 100)) + "\" is not valid");
  if (!r.repo.empty() && !valid_full_name(r.repo)) throw Error(file.string() + ": repository is not OWNER/NAME");
  for (size_t i = 0; i < r.assets.size(); ++i) {
    for (size_t k = 0; k < i; ++k) {
      if (r.assets[k].name == r.assets[i].name) throw Error(file.string() + " lists " + r.assets[i].name + " twice");
    }
  }
  return r;
}

// An asset's bytes, refused unless they are the size and digest release.json gives.
std::vector<uint8_t> read_asset(const fs::path& dir, const ImportAsset& a) {
  const fs::path file = dir / a.name;
  std::error_code ec;
  if (!fs::is_regular_file(fs::symlink_status(file, ec))) throw Error(file.string() + " is missing or not a plain file");
  std::vector<uint8_t> bytes = host::read_file(file, kMaxImportAssetBytes);
  if (bytes.size() != a.size || sha256_hex(bytes) != a.sha256) {
    throw Error(file.string() + " is not the file release.json describes (size or SHA-256 differ)");
  }
  return bytes;
}

// The store's own words are written for HTTP clients; these say what the `add` user can do.
template <typename F>
auto store_step(const std::string& what, F&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const StoreError& e) {
    throw Error("cannot " + what + ": " + e.what());
  }
}

const ImportAsset& image_asset(const ReleaseDir& r) { return r.assets.front(); }

bool holds(const Release& release, const ImportAsset& a) {
  const Asset* have = release.find_asset(a.name);
  return have != nullptr && have->sha256 == a.sha256 && have->size == a.size;
}

// Whether `draft` (ours, from an interrupted import) can be finished with `r`'s files.
bool draft_fits(const Release& draft, const ReleaseDir& r) {
  for (const Asset& have : draft.assets) {
    const auto it = std::find_if(r.assets.begin(), r.assets.end(), [&](const ImportAsset& a) { return a.name == have.name; });
    if (it == r.assets.end() || !holds(draft, *it)) return false;
  }
  return draft.unavailable.empty();
}

}  // namespace

ImportOutcome import_release_dir(Store& store, const fs::path& dir, const std::string& default_repo) {
  const ReleaseDir r = read_release_json(dir);
  ImportOutcome out;
  out.repo = r.repo.empty() ? default_repo : r.repo;
  if (out.repo.empty()) {
    throw Error("no repository to publish " + r.tag + " in: run add with --repo OWNER/NAME, or give the server --repo");
  }
  const size_t slash = out.repo.find('/');
  const std::string owner = out.repo.substr(0, slash);
  const std::string name = out.repo.substr(slash + 1);
  // Every file is checked before anything is stored, so a bad one leaves nothing behind.
  for (const ImportAsset& a : r.assets) (void)read_asset(dir, a);

  ReleasePtr release = store.release_by_tag(owner, name, r.tag);
  if (release && !release->draft) {
    if (!holds(*release, image_asset(r))) {
      throw Error(out.repo + " already has a release " + r.tag + " with another " + image_asset(r).name +
                  "; delete that release first, or add an image built with a new version");
    }
    out.release = release;
    out.already_published = true;
    return out;
  }
  if (release && release->author != kImportAuthor) {
    throw Error(out.repo + " has a draft " + r.tag + " made by \"" + release->author + "\"; publish or delete it first");
  }
  if (release && !draft_fits(*release, r)) {
    // Our own draft, left by an import that failed part-way with other files: never shown.
    spdlog::warn("{}: replacing the unfinished draft {} (release {}) an earlier add left", out.repo, r.tag, release->id);
    store_step("replace the unfinished draft of " + r.tag, [&] { store.delete_release(owner, name, release->id); });
    release = nullptr;
  }
  if (!release) {
    ReleaseFields fields;
    fields.tag_name = r.tag;
    fields.name = r.name;
    fields.body = r.body;
    fields.prerelease = r.prerelease;
    fields.draft = true;  // devices see it only once every file is in
    release = store_step("create release " + r.tag, [&] { return store.create_release(owner, name, fields, kImportAuthor); });
  }
  for (const ImportAsset& a : r.assets) {
    if (holds(*release, a)) continue;
    const std::vector<uint8_t> bytes = read_asset(dir, a);
    std::unique_ptr<Upload> upload = store_step("store " + a.name, [&] { return store.begin_upload(); });
    if (!upload->write(reinterpret_cast<const char*>(bytes.data()), bytes.size())) {
      throw Error(upload->disk_full() ? "cannot store " + a.name + ": the disk is full"
                                      : "cannot store " + a.name + " (the server's log says why)");
    }
    store_step("store " + a.name, [&] {
      return store.commit_upload(owner, name, release->id, std::move(upload), a.name, "", a.content_type, kImportAuthor);
    });
  }
  ReleaseFields publish;
  publish.draft = false;
  out.release = store_step("publish " + r.tag, [&] { return store.update_release(owner, name, release->id, publish); });
  return out;
}

}  // namespace vt132::server
