#include "vt132/host/publisher.hpp"

#include <nlohmann/json.hpp>

#include "vt132/core/sha256.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/github_client.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/image_report.hpp"
#include "vt132/host/release_writer.hpp"

namespace vt132::host {
namespace fs = std::filesystem;

namespace {

constexpr int kMaxListPages = 10;  // 1,000 releases: beyond that a draft is not looked for

struct LocalAsset {
  std::string name;
  std::string content_type;
  std::string digest;  // "sha256:<hex>"
  std::string bytes;
};

struct LocalRelease {
  nlohmann::json object;  // release.json
  std::vector<LocalAsset> assets;
};

std::string string_field(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

// Ids from the server's answers; a missing or non-numeric one is the server's fault, said so.
int64_t id_field(const nlohmann::json& j, const char* what) {
  if (j.is_object() && j.contains("id") && j["id"].is_number_integer()) return j["id"].get<int64_t>();
  throw Error(std::string("the server's ") + what + " object has no numeric id");
}

bool bool_field(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_boolean() && j[key].get<bool>();
}

// Reads release.json and every asset it lists, and checks each file still has the digest
// `create` recorded: a damaged or edited directory is never published.
LocalRelease load_local(const fs::path& dir) {
  const fs::path json_path = dir / kReleaseJsonName;
  const auto raw = read_file(json_path, 1 << 20);
  LocalRelease local;
  local.object = nlohmann::json::parse(raw.begin(), raw.end(), nullptr, false);
  if (!local.object.is_object() || string_field(local.object, "tag_name").empty() ||
      !local.object.contains("assets") || !local.object["assets"].is_array()) {
    throw Error(json_path.string() + " is not a release made by `vt132-release create`");
  }
  for (const auto& a : local.object["assets"]) {
    LocalAsset asset;
    asset.name = string_field(a, "name");
    asset.content_type = string_field(a, "content_type");
    asset.digest = string_field(a, "digest");
    if (!valid_asset_name(asset.name)) throw Error(json_path.string() + ": bad asset name \"" + printable(asset.name) + "\"");
    const auto bytes = read_file(dir / asset.name, kMaxImageFileSize);
    asset.bytes.assign(bytes.begin(), bytes.end());
    const auto d = core::Sha256::of(bytes.data(), bytes.size());
    if (asset.digest != "sha256:" + to_hex(d.data(), d.size())) {
      throw Error((dir / asset.name).string() + " does not match the digest in release.json; recreate the release");
    }
    if (asset.content_type.empty()) asset.content_type = "application/octet-stream";
    local.assets.push_back(std::move(asset));
  }
  return local;
}

std::string repo_from(const PublishRequest& r, const LocalRelease& local) {
  std::string repo = r.repo;
  if (repo.empty() && local.object.contains("repository") && local.object["repository"].is_object()) {
    repo = string_field(local.object["repository"], "full_name");
  }
  if (repo.empty()) throw Error("no repository: pass --repo OWNER/NAME (or create the release with --repo)");
  if (!valid_repo_name(repo)) throw Error("repository \"" + printable(repo) + "\" is not OWNER/NAME");
  return repo;
}

// A published release is found by tag; a draft only by listing (GitHub hides drafts there).
nlohmann::json find_release(GitHubClient& api, const std::string& base, const std::string& tag) {
  nlohmann::json found = api.get_optional(base + "/releases/tags/" + url_encode(tag));
  if (found.is_object()) return found;
  for (int page = 1; page <= kMaxListPages; ++page) {
    const nlohmann::json list = api.get(base + "/releases?per_page=100&page=" + std::to_string(page));
    if (!list.is_array()) break;
    for (const auto& rel : list) {
      if (string_field(rel, "tag_name") == tag) return rel;
    }
    if (list.size() < 100) break;  // the last page
  }
  return nullptr;
}

nlohmann::json create_draft(GitHubClient& api, const std::string& base, const nlohmann::json& local) {
  const std::string name = string_field(local, "name");
  return api.post(base + "/releases", {{"tag_name", local["tag_name"]},
                                       {"name", name.empty() ? local["tag_name"].get<std::string>() : name},
                                       {"body", string_field(local, "body")},
                                       {"draft", true},
                                       {"prerelease", bool_field(local, "prerelease")}});
}

const nlohmann::json* find_asset(const nlohmann::json& remote_assets, const std::string& name) {
  for (const auto& a : remote_assets) {
    if (string_field(a, "name") == name) return &a;
  }
  return nullptr;
}

nlohmann::json upload_one(GitHubClient& api, const PublishRequest& r, const std::string& upload_url,
                          const LocalAsset& a) {
  auto progress = [&](uint64_t sent, uint64_t total) {
    if (r.progress) r.progress(a.name, sent, total);
  };
  return api.upload(upload_url, a.name, a.content_type, a.bytes, progress);
}

// A replacement is uploaded under this name first, so the old asset is deleted only once the
// new bytes are safely on the server; a run cut short leaves it behind for the next to clear.
std::string staging_name(const std::string& name) { return name + ".replacing"; }

// Swaps in a replacement: upload under a staging name, delete the old asset, rename.
void replace_asset(GitHubClient& api, const PublishRequest& r, const std::string& base, const std::string& upload_url,
                   const nlohmann::json& old, const LocalAsset& a) {
  LocalAsset staged = a;
  staged.name = staging_name(a.name);
  const nlohmann::json uploaded = upload_one(api, r, upload_url, staged);
  api.del(base + "/releases/assets/" + std::to_string(id_field(old, "asset")));
  api.patch(base + "/releases/assets/" + std::to_string(id_field(uploaded, "asset")), {{"name", a.name}});
}

// Uploads what is missing, skips what is there with the same digest, and replaces what
// differs only when asked.
void sync_assets(GitHubClient& api, const PublishRequest& r, const std::string& base, const nlohmann::json& release,
                 const LocalRelease& local, PublishResult& result) {
  const std::string id = std::to_string(id_field(release, "release"));
  const nlohmann::json remote = api.get(base + "/releases/" + id + "/assets?per_page=100");
  const std::string upload_url = string_field(release, "upload_url");
  if (upload_url.empty()) throw Error("the server's release object has no upload_url");
  // Staged replacements an interrupted run left behind: never part of the release.
  for (const LocalAsset& a : local.assets) {
    if (const nlohmann::json* stale = find_asset(remote, staging_name(a.name))) {
      api.del(base + "/releases/assets/" + std::to_string(id_field(*stale, "asset")));
      if (r.say) r.say("  " + staging_name(a.name) + ": removed (left by an interrupted --replace)");
    }
  }
  for (const LocalAsset& a : local.assets) {
    const nlohmann::json* existing = find_asset(remote, a.name);
    const bool complete = existing && string_field(*existing, "state") != "starter";
    if (complete && string_field(*existing, "digest") == a.digest) {
      ++result.skipped;
      if (r.say) r.say("  " + a.name + ": already there");
      continue;
    }
    if (!existing) {
      upload_one(api, r, upload_url, a);
      ++result.uploaded;
      if (r.say) r.say("  " + a.name + ": uploaded (" + std::to_string(a.bytes.size()) + " bytes)");
      continue;
    }
    const std::string theirs = string_field(*existing, "digest");
    if (complete && !r.replace && theirs.empty()) {
      throw Error("asset " + a.name + " is on the server, which reports no digest for it, so it cannot be " +
                  "compared with the local file; re-run with --replace to delete it and upload the local one");
    }
    if (complete && !r.replace) {
      throw Error("asset " + a.name + " on the server differs from the local file (" + printable(theirs) +
                  " there, " + a.digest + " here); re-run with --replace to delete it and upload the local one");
    }
    replace_asset(api, r, base, upload_url, *existing, a);
    ++result.replaced;
    if (r.say) r.say("  " + a.name + ": replaced (" + std::to_string(a.bytes.size()) + " bytes)");
  }
}

}  // namespace

PublishResult publish_release(const PublishRequest& r) {
  const LocalRelease local = load_local(r.dir);
  const std::string repo = repo_from(r, local);
  const std::string tag = local.object["tag_name"].get<std::string>();
  GitHubClient api({r.api_url, r.token, r.ca_file, "vt132-release"});
  const std::string base = "/repos/" + repo;

  PublishResult result;
  nlohmann::json release = find_release(api, base, tag);
  if (release.is_null()) {
    release = create_draft(api, base, local.object);
    result.created = true;
    if (r.say) r.say("created draft release " + tag + " in " + repo);
  } else if (r.say) {
    r.say(std::string("found ") + (bool_field(release, "draft") ? "draft" : "published") + " release " + tag +
          " in " + repo + "; finishing it");
  }
  result.release_id = id_field(release, "release");
  sync_assets(api, r, base, release, local, result);
  if (!r.draft && bool_field(release, "draft")) {
    release = api.patch(base + "/releases/" + std::to_string(result.release_id), {{"draft", false}});
    if (r.say) r.say("published " + tag);
  }
  result.published = !bool_field(release, "draft");
  result.html_url = string_field(release, "html_url");
  return result;
}

}  // namespace vt132::host
