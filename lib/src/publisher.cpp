#include "vt132/host/publisher.hpp"

#include <ctime>

#include <nlohmann/json.hpp>

#include "vt132/core/sha256.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/github_client.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/release_remote.hpp"
#include "vt132/host/image_report.hpp"
#include "vt132/host/release_writer.hpp"

namespace vt132::host {
namespace fs = std::filesystem;

namespace {

struct LocalAsset {
  std::string name;
  std::string content_type;
  std::string digest;  // "sha256:<hex>"
  std::string bytes;
};

struct LocalRelease {
  nlohmann::json object;  // release.json
  std::vector<LocalAsset> assets;
  const LocalAsset* find(const std::string& name) const {
    for (const LocalAsset& a : assets) {
      if (a.name == name) return &a;
    }
    return nullptr;
  }
};

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
  return repo;
}

nlohmann::json create_draft(GitHubClient& api, const std::string& base, const nlohmann::json& local) {
  const std::string name = string_field(local, "name");
  return api.post(base + "/releases", {{"tag_name", local["tag_name"]},
                                       {"name", name.empty() ? local["tag_name"].get<std::string>() : name},
                                       {"body", string_field(local, "body")},
                                       {"draft", true},
                                       {"prerelease", bool_field(local, "prerelease")}});
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

// The image a release directory's manifest names, or "" when it has no manifest.
std::string local_image_name(const LocalRelease& local) {
  const LocalAsset* m = local.find(kManifestAssetName);
  core::Manifest manifest;
  if (m == nullptr || core::parse_manifest(m->bytes.data(), m->bytes.size(), manifest) != core::ManifestError::Ok) {
    return "";
  }
  return manifest.image;
}

std::string image_version(const std::string& bytes) {
  const ImageReport report = examine_image(std::vector<uint8_t>(bytes.begin(), bytes.end()), core::ImagePolicy{});
  return report.info.has_app_desc ? printable(report.info.app.version) : "";
}

std::string sha256_of(const std::string& bytes) {
  const auto d = core::Sha256::of(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return "sha256:" + to_hex(d.data(), d.size());
}

// --replace on a published release rewrites what devices may already run: show both digests
// of each asset, refuse an image of another version, and go on only when confirmed.
void check_replacements(RemoteRepo& remote, const PublishRequest& r, const nlohmann::json& release,
                        const LocalRelease& local, const std::vector<std::pair<const nlohmann::json*, const LocalAsset*>>& plan) {
  const std::string tag = string_field(release, "tag_name");
  const std::string image = local_image_name(local);
  for (const auto& [old, a] : plan) {
    std::string theirs = string_field(*old, "digest");
    const bool is_image = a->name == image;
    std::string old_bytes;
    if (theirs.empty() || is_image) old_bytes = remote.download(*old, kMaxImageFileSize);
    if (theirs.empty()) theirs = sha256_of(old_bytes);
    if (r.say) r.say("  " + a->name + ": published " + printable(theirs) + ", local " + a->digest);
    if (!is_image) continue;
    const std::string was = image_version(old_bytes);
    const std::string now = image_version(a->bytes);
    if (was != now) {
      throw Error("refusing to replace " + a->name + " of " + tag + ": the published image is version \"" + was +
                  "\", the local one \"" + now + "\"; a new version is a new release (create it with its own tag)");
    }
  }
  if (bool_field(release, "draft") || r.yes) return;
  const std::string question = "Replace " + std::to_string(plan.size()) + " asset(s) of the published release " +
                               tag + "? Devices that installed the old bytes will not notice.";
  if (r.confirm && r.confirm(question)) return;
  throw Error("--replace would rewrite " + std::to_string(plan.size()) + " asset(s) of the published release " + tag +
              " (digests above); devices that installed the old bytes will never notice. Re-run with --yes to do it");
}

// Uploads what is missing, skips what is there with the same digest, and replaces what
// differs only when asked (and, for a published release, confirmed).
void sync_assets(RemoteRepo& remote, const PublishRequest& r, const nlohmann::json& release,
                 const LocalRelease& local, PublishResult& result) {
  GitHubClient& api = remote.api();
  const std::string base = remote.path("");
  const std::string id = std::to_string(id_field(release, "release"));
  const nlohmann::json listed = api.get(base + "/releases/" + id + "/assets?per_page=100");
  const nlohmann::json remote_assets = listed.is_array() ? listed : nlohmann::json::array();
  const std::string upload_url = string_field(release, "upload_url");
  if (upload_url.empty()) throw Error("the server's release object has no upload_url");
  // Staged replacements an interrupted run left behind: never part of the release.
  for (const LocalAsset& a : local.assets) {
    if (const nlohmann::json* stale = find_asset(remote_assets, staging_name(a.name))) {
      api.del(base + "/releases/assets/" + std::to_string(id_field(*stale, "asset")));
      if (r.say) r.say("  " + staging_name(a.name) + ": removed (left by an interrupted --replace)");
    }
  }
  // What differs is decided (and refused or confirmed) before anything changes.
  std::vector<std::pair<const nlohmann::json*, const LocalAsset*>> replacements;
  for (const LocalAsset& a : local.assets) {
    const nlohmann::json* existing = find_asset(remote_assets, a.name);
    if (!existing || string_field(*existing, "state") == "starter") continue;
    const std::string theirs = string_field(*existing, "digest");
    if (theirs == a.digest) continue;
    if (!r.replace && theirs.empty()) {
      throw Error("asset " + a.name + " is on the server, which reports no digest for it, so it cannot be " +
                  "compared with the local file; re-run with --replace to delete it and upload the local one");
    }
    if (!r.replace) {
      throw Error("asset " + a.name + " on the server differs from the local file (" + printable(theirs) +
                  " there, " + a.digest + " here); re-run with --replace to delete it and upload the local one");
    }
    replacements.emplace_back(existing, &a);
  }
  if (!replacements.empty()) check_replacements(remote, r, release, local, replacements);
  for (const LocalAsset& a : local.assets) {
    const nlohmann::json* existing = find_asset(remote_assets, a.name);
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
    replace_asset(api, r, base, upload_url, *existing, a);
    ++result.replaced;
    if (r.say) r.say("  " + a.name + ": replaced (" + std::to_string(a.bytes.size()) + " bytes)");
  }
}

// An unsigned release after signed ones becomes what devices find, and every device that
// requires signatures is stuck at UPDATE FAILED: SIGNATURE with no way forward.
void check_signed_history(RemoteRepo& remote, const PublishRequest& r, const LocalRelease& local,
                          const std::string& tag) {
  if (r.allow_unsigned || local.find(kSignatureAssetName) != nullptr) return;
  const nlohmann::json latest = remote.latest();
  if (latest.is_null() || string_field(latest, "tag_name") == tag) return;
  if (find_asset(latest.contains("assets") ? latest["assets"] : nlohmann::json(), kSignatureAssetName) == nullptr) return;
  throw Error("refusing to publish " + tag + " unsigned: the latest release in " + remote.repo() + ", " +
              printable(string_field(latest, "tag_name")) +
              ", is signed, so devices that require signatures would stop at UPDATE FAILED: SIGNATURE with no "
              "way forward. Create the release with --key, or pass --allow-unsigned if that is really meant");
}

// The latest release's manifest expiring soon strands devices that know the time.
void warn_about_expiry(RemoteRepo& remote, const PublishRequest& r) {
  if (!r.warn) return;
  try {
    const nlohmann::json latest = remote.latest();
    if (latest.is_null()) return;
    const std::optional<RemoteManifest> m = fetch_manifest(remote, latest);
    if (!m) return;
    const int64_t now = r.now != 0 ? r.now : static_cast<int64_t>(std::time(nullptr));
    const int64_t left = m->manifest.expires - now;
    if (left >= int64_t{kExpiryWarningDays} * 86400) return;
    const std::string tag = printable(string_field(latest, "tag_name"));
    r.warn("warning: the manifest of the latest release " + tag + " " + (left <= 0 ? "expired " : "expires ") +
           utc_text(m->manifest.expires) + (left > 0 ? " (in " + std::to_string(left / 86400) + " days)" : "") +
           "; devices that know the time will refuse it. Renew it: vt132-release renew " + tag +
           " --key KEY --repo " + remote.repo() + " --api ...");
  } catch (const Error& e) {
    r.warn(std::string("warning: cannot check when the latest release's manifest expires: ") + e.what());
  }
}

}  // namespace

PublishResult publish_release(const PublishRequest& r) {
  const LocalRelease local = load_local(r.dir);
  const std::string tag = local.object["tag_name"].get<std::string>();
  GitHubClient api({r.api_url, r.token, r.ca_file, "vt132-release"});
  RemoteRepo remote(api, repo_from(r, local));

  PublishResult result;
  nlohmann::json release = remote.find_release(tag);
  check_signed_history(remote, r, local, tag);
  if (release.is_null()) {
    release = create_draft(api, remote.path(""), local.object);
    result.created = true;
    if (r.say) r.say("created draft release " + tag + " in " + remote.repo());
  } else if (r.say) {
    r.say(std::string("found ") + (bool_field(release, "draft") ? "draft" : "published") + " release " + tag +
          " in " + remote.repo() + "; finishing it");
  }
  result.release_id = id_field(release, "release");
  sync_assets(remote, r, release, local, result);
  if (!r.draft && bool_field(release, "draft")) {
    release = api.patch(remote.path("/releases/" + std::to_string(result.release_id)), {{"draft", false}});
    if (r.say) r.say("published " + tag);
  }
  result.published = !bool_field(release, "draft");
  result.html_url = string_field(release, "html_url");
  warn_about_expiry(remote, r);
  return result;
}

}  // namespace vt132::host
