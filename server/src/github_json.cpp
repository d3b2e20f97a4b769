#include "github_json.hpp"

namespace vt132::server {
using json = nlohmann::json;

namespace {

// A stable positive id for a user name (we have token names, not GitHub accounts).
uint64_t user_id(const std::string& login) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : login) h = (h ^ c) * 1099511628211ull;
  return (h % 2000000000ull) + 1;
}

std::string repo_path(std::string_view owner, std::string_view repo) {
  return "/repos/" + std::string(owner) + "/" + std::string(repo);
}

}  // namespace

json user_json(const BaseUrls& base, const std::string& login) {
  const std::string l = login.empty() ? "vt132-ota-server" : login;
  return {{"login", l},
          {"id", user_id(l)},
          {"node_id", "U_" + std::to_string(user_id(l))},
          {"avatar_url", ""},
          {"gravatar_id", ""},
          {"url", base.api() + "/users/" + l},
          {"html_url", base.web + "/" + l},
          {"type", "User"},
          {"site_admin", false}};
}

json repo_json(const BaseUrls& base, const Repo& repo) {
  const std::string full = repo.owner + "/" + repo.name;
  return {{"id", repo.id},
          {"node_id", "R_" + std::to_string(repo.id)},
          {"name", repo.name},
          {"full_name", full},
          {"private", false},
          {"owner", user_json(base, repo.owner)},
          {"html_url", base.web + "/" + full},
          {"description", nullptr},
          {"fork", false},
          {"url", base.api() + "/repos/" + full},
          {"releases_url", base.api() + "/repos/" + full + "/releases{/id}"},
          {"default_branch", "main"},
          {"visibility", "public"},
          {"archived", false},
          {"disabled", false},
          {"permissions", {{"admin", false}, {"push", false}, {"pull", true}}}};
}

json asset_json(const BaseUrls& base, std::string_view owner, std::string_view repo, const Release& release,
                const Asset& a) {
  const std::string api = base.api() + repo_path(owner, repo);
  return {{"url", api + "/releases/assets/" + std::to_string(a.id)},
          {"browser_download_url", base.web + "/" + std::string(owner) + "/" + std::string(repo) +
                                       "/releases/download/" + release.tag_name + "/" + a.name},
          {"id", a.id},
          {"node_id", "RA_" + std::to_string(a.id)},
          {"name", a.name},
          {"label", a.label.empty() ? json(nullptr) : json(a.label)},
          {"state", "uploaded"},
          {"content_type", a.content_type},
          {"size", a.size},
          {"digest", "sha256:" + a.sha256},
          {"download_count", 0},
          {"created_at", iso8601(a.created_at)},
          {"updated_at", iso8601(a.updated_at)},
          {"uploader", user_json(base, a.uploader)}};
}

json release_json(const BaseUrls& base, std::string_view owner, std::string_view repo, const Release& r) {
  const std::string api = base.api() + repo_path(owner, repo);
  const std::string id = std::to_string(r.id);
  json assets = json::array();
  for (const Asset& a : r.assets) assets.push_back(asset_json(base, owner, repo, r, a));
  return {{"url", api + "/releases/" + id},
          {"html_url", base.web + "/" + std::string(owner) + "/" + std::string(repo) + "/releases/tag/" + r.tag_name},
          {"assets_url", api + "/releases/" + id + "/assets"},
          {"upload_url", base.uploads() + repo_path(owner, repo) + "/releases/" + id + "/assets{?name,label}"},
          {"tarball_url", api + "/tarball/" + r.tag_name},
          {"zipball_url", api + "/zipball/" + r.tag_name},
          {"id", r.id},
          {"node_id", "RE_" + id},
          {"tag_name", r.tag_name},
          {"target_commitish", r.target_commitish},
          {"name", r.name.empty() ? json(nullptr) : json(r.name)},
          {"body", r.body.empty() ? json(nullptr) : json(r.body)},
          {"draft", r.draft},
          {"prerelease", r.prerelease},
          {"created_at", iso8601(r.created_at)},
          {"published_at", r.published_at == 0 ? json(nullptr) : json(iso8601(r.published_at))},
          {"author", user_json(base, r.author)},
          {"assets", assets}};
}

std::string error_body(const std::string& message, const std::vector<FieldError>& errors) {
  json j = {{"message", message},
            {"documentation_url", "https://docs.github.com/rest/releases/releases"}};
  if (!errors.empty()) {
    json arr = json::array();
    for (const FieldError& e : errors) {
      arr.push_back({{"resource", e.resource}, {"code", e.code}, {"field", e.field}});
    }
    j["errors"] = arr;
  }
  return j.dump();
}

}  // namespace vt132::server
