#include "vt132/host/release_remote.hpp"

#include "vt132/host/hex.hpp"
#include "vt132/host/release_writer.hpp"

namespace vt132::host {

namespace {
constexpr int kMaxListPages = 10;  // 1,000 releases
}  // namespace

std::string string_field(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

bool bool_field(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_boolean() && j[key].get<bool>();
}

int64_t id_field(const nlohmann::json& j, const char* what) {
  if (j.is_object() && j.contains("id") && j["id"].is_number_integer()) return j["id"].get<int64_t>();
  throw Error(std::string("the server's ") + what + " object has no numeric id");
}

bool is_yanked(const nlohmann::json& release) {
  return string_field(release, "name").rfind(kYankedPrefix, 0) == 0;
}

const nlohmann::json* find_asset(const nlohmann::json& assets, const std::string& name) {
  if (!assets.is_array()) return nullptr;
  for (const auto& a : assets) {
    if (string_field(a, "name") == name) return &a;
  }
  return nullptr;
}

RemoteRepo::RemoteRepo(GitHubClient& api, const std::string& repo) : api_(api), repo_(repo), base_("/repos/" + repo) {
  if (!valid_repo_name(repo)) throw Error("repository \"" + printable(repo) + "\" is not OWNER/NAME");
}

nlohmann::json RemoteRepo::find_release(const std::string& tag) {
  nlohmann::json found = api_.get_optional(path("/releases/tags/" + url_encode(tag)));
  if (found.is_object()) return found;
  for (const nlohmann::json& rel : releases()) {
    if (string_field(rel, "tag_name") == tag) return rel;
  }
  return nullptr;
}

std::vector<nlohmann::json> RemoteRepo::releases() {
  std::vector<nlohmann::json> out;
  for (int page = 1; page <= kMaxListPages; ++page) {
    const nlohmann::json list = api_.get(path("/releases?per_page=100&page=" + std::to_string(page)));
    if (!list.is_array()) throw Error("the server's release list is not a JSON array");
    for (const auto& rel : list) {
      if (rel.is_object()) out.push_back(rel);
    }
    if (list.size() < 100) break;  // the last page
  }
  return out;
}

nlohmann::json RemoteRepo::latest() {
  const nlohmann::json r = api_.get_optional(path("/releases/latest"));
  return r.is_object() ? r : nlohmann::json();
}

std::string RemoteRepo::download(const nlohmann::json& asset, size_t max_bytes) {
  const std::string url = string_field(asset, "url");
  if (url.empty()) throw Error("the server's asset " + printable(string_field(asset, "name")) + " has no url");
  return api_.download(url, max_bytes);
}

std::optional<RemoteManifest> fetch_manifest(RemoteRepo& repo, const nlohmann::json& release) {
  const nlohmann::json assets = release.is_object() && release.contains("assets") ? release["assets"] : nlohmann::json();
  const nlohmann::json* m = find_asset(assets, kManifestAssetName);
  if (m == nullptr) return std::nullopt;
  RemoteManifest out;
  out.text = repo.download(*m, core::kMaxManifestSize);
  core::ManifestProblem problem;
  if (core::parse_manifest(out.text.data(), out.text.size(), out.manifest, problem) != core::ManifestError::Ok) {
    char why[160];
    core::format_manifest_problem(problem, why, sizeof why);
    throw Error("release " + printable(string_field(release, "tag_name")) + ": " + why);
  }
  if (const nlohmann::json* sig = find_asset(assets, kSignatureAssetName)) {
    out.signature = repo.download(*sig, kMaxSignatureAssetSize);
    out.has_signature = true;
  }
  return out;
}

std::string utc_text(int64_t unix_seconds) {
  char stamp[21];
  core::format_utc_timestamp(unix_seconds, stamp);
  return stamp;
}

}  // namespace vt132::host
