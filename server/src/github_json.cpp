#include "github_json.hpp"

#include "markdown.hpp"

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
  const std::string url = base.api() + "/users/" + l;
  // Every field GitHub's simple-user schema requires, so typed clients can decode it.
  return {{"login", l},
          {"id", user_id(l)},
          {"node_id", "U_" + std::to_string(user_id(l))},
          {"avatar_url", ""},
          {"gravatar_id", ""},
          {"url", url},
          {"html_url", base.web + "/" + l},
          {"followers_url", url + "/followers"},
          {"following_url", url + "/following{/other_user}"},
          {"gists_url", url + "/gists{/gist_id}"},
          {"starred_url", url + "/starred{/owner}{/repo}"},
          {"subscriptions_url", url + "/subscriptions"},
          {"organizations_url", url + "/orgs"},
          {"repos_url", url + "/repos"},
          {"events_url", url + "/events{/privacy}"},
          {"received_events_url", url + "/received_events"},
          {"type", "User"},
          {"site_admin", false}};
}

json authenticated_user_json(const BaseUrls& base, const std::string& login, int64_t created_at) {
  // GitHub's private-user schema: the public profile fields (none of which a token has) plus
  // counts and plan, all required.
  json j = user_json(base, login);
  const json none = nullptr;
  for (const char* key : {"name", "company", "blog", "location", "email", "hireable", "bio", "twitter_username"}) {
    j[key] = none;
  }
  for (const char* key : {"public_repos", "public_gists", "followers", "following", "private_gists",
                          "total_private_repos", "owned_private_repos", "disk_usage", "collaborators"}) {
    j[key] = 0;
  }
  j["created_at"] = iso8601(created_at);
  j["updated_at"] = iso8601(created_at);
  j["two_factor_authentication"] = false;
  j["plan"] = {{"name", "free"}, {"space", 0}, {"private_repos", 0}, {"collaborators", 0}};
  return j;
}

std::string release_html_url(const BaseUrls& base, std::string_view owner, std::string_view repo,
                             std::string_view tag) {
  return base.web + "/" + std::string(owner) + "/" + std::string(repo) + "/releases/tag/" + std::string(tag);
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

json release_json(const BaseUrls& base, std::string_view owner, std::string_view repo, const Release& r,
                  BodyFormat format) {
  const std::string api = base.api() + repo_path(owner, repo);
  const std::string id = std::to_string(r.id);
  json assets = json::array();
  for (const Asset& a : r.assets) assets.push_back(asset_json(base, owner, repo, r, a));
  json j = {{"url", api + "/releases/" + id},
          {"html_url", release_html_url(base, owner, repo, r.tag_name)},
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
          {"updated_at", iso8601(r.updated_at)},
          // GitHub's immutable releases forbid changing assets after publication; here
          // assets can still be deleted and added, so no release is immutable.
          {"immutable", false},
          {"author", user_json(base, r.author)},
          {"assets", assets}};
  if (format != BodyFormat::Raw) j["body_html"] = r.body.empty() ? json(nullptr) : json(markdown_to_html(r.body));
  if (format == BodyFormat::Html) j.erase("body");
  return j;
}

BodyFormat body_format_from_accept(std::string_view accept) {
  // Each media type of the list: application/vnd.github[.v3].FORMAT[+json][; params].
  constexpr std::string_view kPrefix = "application/vnd.github.";
  while (!accept.empty()) {
    const size_t comma = accept.find(',');
    std::string_view type = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view() : accept.substr(comma + 1);
    while (!type.empty() && type.front() == ' ') type.remove_prefix(1);
    type = type.substr(0, type.find(';'));
    while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
    if (type.substr(0, kPrefix.size()) != kPrefix) continue;
    type.remove_prefix(kPrefix.size());
    if (type.substr(0, 3) == "v3.") type.remove_prefix(3);
    if (type == "html" || type == "html+json") return BodyFormat::Html;
    if (type == "full" || type == "full+json") return BodyFormat::Full;
  }
  return BodyFormat::Raw;
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
