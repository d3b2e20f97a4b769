// The REST API: releases and assets under /repos/{owner}/{repo}.
#include <spdlog/spdlog.h>

#include <openssl/sha.h>

#include <chrono>
#include <string_view>

#include "names.hpp"
#include "pagination.hpp"
#include "service.hpp"
#include "swap_request.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/hex.hpp"

namespace vt132::server {
using json = nlohmann::json;

namespace {

Page page_of(const httplib::Request& req) {
  return parse_page(req.get_param_value("per_page"), req.get_param_value("page"));
}

bool wants_octet_stream(const httplib::Request& req) {
  return req.get_header_value("Accept").find("application/octet-stream") != std::string::npos;
}

// We do not rate-limit; clients that read the quota (go-github, Octokit, PyGithub) see a
// full one, in the X-RateLimit-* headers and in GET /rate_limit alike.
constexpr int kRateLimit = 5000;

int64_t rate_limit_reset() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
             .count() + 3600;
}

// httplib takes header names and values as const std::string&: the constant ones are built
// once here, not as temporaries (most are too long for the short-string buffer) per request.
const std::string kHeaderLink = "Link";
const std::string kHeaderContentType = "Content-Type";
const std::string kJsonType = "application/json; charset=utf-8";

// The five X-RateLimit-* fields as one header entry (header_lines.hpp: they were the costliest
// part of answering a cached request). The reset time moves once a second, so each thread
// keeps the lines of the current second.
const HeaderLines& rate_limit_lines() {
  thread_local int64_t made_for = -1;
  thread_local HeaderLines lines;
  const int64_t reset = rate_limit_reset();
  if (reset != made_for) {
    const std::string limit = std::to_string(kRateLimit);
    lines = HeaderLines()
                .add("X-RateLimit-Limit", limit)
                .add("X-RateLimit-Remaining", limit)
                .add("X-RateLimit-Reset", std::to_string(reset))
                .add("X-RateLimit-Resource", "core")
                .add("X-RateLimit-Used", "0");
    made_for = reset;
  }
  return lines;
}

void set_rate_limit_headers(httplib::Response& res) { rate_limit_lines().set_in(res); }

json rate_limit_json() {
  const json quota = {{"limit", kRateLimit}, {"remaining", kRateLimit}, {"reset", rate_limit_reset()}, {"used", 0}};
  json resources = json::object();
  for (const char* r : {"core", "search", "graphql", "integration_manifest", "code_search"}) {
    resources[r] = quota;
    resources[r]["resource"] = r;
  }
  json rate = quota;
  rate["resource"] = "core";
  return {{"resources", resources}, {"rate", rate}};
}

// GitHub's root endpoint: URL templates of the API (the ones this server serves, and the
// usual others so clients that read a key find one).
json api_root_json(const BaseUrls& base) {
  const std::string api = base.api();
  return {{"current_user_url", api + "/user"},
          {"authorizations_url", api + "/authorizations"},
          {"emails_url", api + "/user/emails"},
          {"events_url", api + "/events"},
          {"followers_url", api + "/user/followers"},
          {"following_url", api + "/user/following{/target}"},
          {"gists_url", api + "/gists{/gist_id}"},
          {"hub_url", api + "/hub"},
          {"issues_url", api + "/issues"},
          {"notifications_url", api + "/notifications"},
          {"organization_url", api + "/orgs/{org}"},
          {"public_gists_url", api + "/gists/public"},
          {"rate_limit_url", api + "/rate_limit"},
          {"repository_url", api + "/repos/{owner}/{repo}"},
          {"starred_url", api + "/user/starred{/owner}{/repo}"},
          {"starred_gists_url", api + "/gists/starred"},
          {"user_url", api + "/users/{user}"},
          {"user_organizations_url", api + "/user/orgs"},
          {"user_repositories_url", api + "/users/{user}/repos{?type,page,per_page,sort}"},
          // Ours, not GitHub's: PATCH a release with {"vt132_swap_assets": [{"asset_id": N,
          // "name": NAME}, ...]} renames those assets in one store write, replacing the assets
          // that held the names (vt132-release renew swaps a manifest and its signature so).
          {"vt132_swap_assets", true}};
}

json tag_json(const BaseUrls& base, std::string_view owner, std::string_view repo, const std::string& tag) {
  const std::string api = base.api() + "/repos/" + std::string(owner) + "/" + std::string(repo);
  // No git here: the "commit" is a stable stand-in (SHA-1 of owner/repo@tag), not an object.
  const std::string named = std::string(owner) + "/" + std::string(repo) + "@" + tag;
  uint8_t digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(named.data()), named.size(), digest);
  const std::string sha = host::to_hex(digest, sizeof digest);
  return {{"name", tag},
          {"commit", {{"sha", sha}, {"url", api + "/commits/" + sha}}},
          {"zipball_url", api + "/zipball/refs/tags/" + tag},
          {"tarball_url", api + "/tarball/refs/tags/" + tag},
          {"node_id", "REF_" + tag}};
}

// 507 Insufficient Storage: the client can do nothing but wait for the operator, so the
// message says whose disk is full.
void send_disk_full(httplib::Response& res, const std::string& detail) {
  spdlog::error("write refused, disk full: {}", detail);
  send_error(res, 507, "The server's disk is full: nothing was stored. Ask its operator to free space, then retry.");
}

// GitHub's release JSON, plus what GitHub never has: assets this server lists but cannot
// serve (their file was missing or damaged at start, see store_recovery.cpp).
json release_view(const BaseUrls& base, std::string_view owner, std::string_view repo, const Release& r,
                  BodyFormat format = BodyFormat::Raw) {
  json j = release_json(base, owner, repo, r, format);
  if (!r.whole()) {
    json arr = json::array();
    for (const UnavailableAsset& u : r.unavailable) {
      arr.push_back({{"id", u.asset.id}, {"name", u.asset.name}, {"size", u.asset.size}, {"reason", u.reason}});
    }
    j["unavailable_assets"] = std::move(arr);
  }
  return j;
}

// Runs a write and turns what can go wrong into a GitHub-style answer. Store errors carry
// messages written for clients; anything else is logged and answered with a generic 500.
template <typename F>
void run_write(httplib::Response& res, F&& fn) {
  try {
    fn();
  } catch (const StoreError& e) {
    switch (e.kind()) {
      case StoreError::NotFound: send_error(res, 404, "Not Found"); return;
      case StoreError::AlreadyExists:
        send_error(res, 422, "Validation Failed", {{e.resource(), "already_exists", e.field()}});
        return;
      case StoreError::Invalid: send_error(res, 422, e.what(), {{e.resource(), "invalid", e.field()}}); return;
      case StoreError::TooMany: send_error(res, 422, e.what()); return;
      case StoreError::DiskFull: send_disk_full(res, e.what()); return;
    }
  } catch (const std::exception& e) {
    spdlog::error("write failed: {}", e.what());
    send_error(res, 500, "Internal Server Error");
  }
}

// The name an asset named `requested` is stored under (vt132/host/names.hpp), or 422.
std::string stored_name(const std::string& requested) {
  const std::optional<std::string> name = normalize_asset_name(requested);
  if (!name) {
    throw StoreError(StoreError::Invalid, "ReleaseAsset", "name",
                     "name must keep at least one letter, digit, '-', '_' or '+' and at most 255 characters once "
                     "renamed as GitHub does (every other character becomes '.')");
  }
  return *name;
}

// Reads the JSON object of a create/update request; false (and the 4xx sent) otherwise.
bool parse_object(const std::string& body, json& out, httplib::Response& res) {
  out = json::parse(body, nullptr, false);
  if (out.is_discarded() || !out.is_object()) {
    send_error(res, 400, "Problems parsing JSON");
    return false;
  }
  return true;
}

// Copies the release fields present in `j`; false (422 sent) when one has the wrong type.
bool release_fields_from(const json& j, ReleaseFields& f, httplib::Response& res) {
  auto str = [&](const char* key, std::optional<std::string>& dst) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return true;
    if (!it->is_string()) return false;
    dst = it->get<std::string>();
    return true;
  };
  auto boolean = [&](const char* key, std::optional<bool>& dst) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return true;
    if (!it->is_boolean()) return false;
    dst = it->get<bool>();
    return true;
  };
  const char* bad = nullptr;
  if (!str("tag_name", f.tag_name)) bad = "tag_name";
  else if (!str("target_commitish", f.target_commitish)) bad = "target_commitish";
  else if (!str("name", f.name)) bad = "name";
  else if (!str("body", f.body)) bad = "body";
  else if (!boolean("draft", f.draft)) bad = "draft";
  else if (!boolean("prerelease", f.prerelease)) bad = "prerelease";
  if (bad == nullptr) {
    auto it = j.find("make_latest");
    if (it != j.end() && !it->is_null()) {
      const std::string v = it->is_string() ? it->get<std::string>() : "";
      if (v == "true") f.make_latest = MakeLatest::True;
      else if (v == "false") f.make_latest = MakeLatest::False;
      else if (v == "legacy") f.make_latest = MakeLatest::Legacy;
      else bad = "make_latest";
    }
  }
  if (bad != nullptr) {
    send_error(res, 422, "Invalid request: " + std::string(bad) + " has the wrong type or value",
               {{"Release", "invalid", bad}});
    return false;
  }
  return true;
}

}  // namespace

int Service::api_get_json(const httplib::Request& req, const Route& route, const BaseUrls& base, bool see_drafts,
                          BodyFormat format, ResponseCache::Entry& out) {
  const std::string owner(route.owner), repo(route.repo);
  auto visible = [&](const ReleasePtr& r) { return r && (!r->draft || see_drafts); };
  switch (route.kind) {
    case RouteKind::Repo: {
      // Repositories exist implicitly: any valid name answers, so clients that look the
      // repository up before their first release (goreleaser) can publish to a new one.
      const std::optional<Repo> found = store_.find_repo(owner, repo);
      out.body = json_text(repo_json(base, found ? *found : Repo{0, owner, repo}));
      return 200;
    }
    case RouteKind::Releases: {
      // Unlike GET /repos/{o}/{r} above, a list answers 404 for a repository that does not
      // exist (existing_repo), as GitHub does.
      if (!existing_repo(owner, repo)) return 404;
      const std::vector<ReleasePtr> all = store_.releases(owner, repo, see_drafts);
      const Page p = page_of(req);
      json arr = json::array();
      for (size_t i = p.begin(all.size()); i < p.end(all.size()); ++i) {
        arr.push_back(release_view(base, owner, repo, *all[i], format));
      }
      out.body = json_text(arr);
      out.link = link_header(base.web + req.path, p, all.size());
      return 200;
    }
    case RouteKind::ReleaseLatest: {
      const ReleasePtr r = store_.latest(owner, repo);
      if (!r) return 404;
      out.body = json_text(release_view(base, owner, repo, *r, format));
      return 200;
    }
    case RouteKind::ReleaseByTag: {
      const ReleasePtr r = store_.release_by_tag(owner, repo, route.tag);
      if (!r || r->draft) return 404;  // published releases only, as on GitHub
      out.body = json_text(release_view(base, owner, repo, *r, format));
      return 200;
    }
    case RouteKind::ReleaseById: {
      const ReleasePtr r = store_.release_by_id(owner, repo, route.id);
      if (!visible(r)) return 404;
      out.body = json_text(release_view(base, owner, repo, *r, format));
      return 200;
    }
    case RouteKind::ReleaseAssets: {
      const ReleasePtr r = store_.release_by_id(owner, repo, route.id);
      if (!visible(r)) return 404;
      const Page p = page_of(req);
      json arr = json::array();
      for (size_t i = p.begin(r->assets.size()); i < p.end(r->assets.size()); ++i) {
        arr.push_back(asset_json(base, owner, repo, *r, r->assets[i]));
      }
      out.body = json_text(arr);
      out.link = link_header(base.web + req.path, p, r->assets.size());
      return 200;
    }
    case RouteKind::Asset: {
      const ReleasePtr r = store_.release_with_asset(owner, repo, route.id);
      if (!visible(r)) return 404;
      out.body = json_text(asset_json(base, owner, repo, *r, *r->find_asset(route.id)));
      return 200;
    }
    case RouteKind::TagRef: {
      const std::string tag(route.tag);
      if (!store_.tag_exists(owner, repo, tag)) return 404;
      const json t = tag_json(base, owner, repo, tag);
      const std::string api = base.api() + "/repos/" + owner + "/" + repo;
      out.body = json_text({{"ref", "refs/tags/" + tag},
                            {"node_id", t["node_id"]},
                            {"url", api + "/git/refs/tags/" + tag},
                            {"object", {{"sha", t["commit"]["sha"]}, {"type", "commit"}, {"url", t["commit"]["url"]}}}});
      return 200;
    }
    case RouteKind::Tags: {
      if (!existing_repo(owner, repo)) return 404;
      const std::vector<std::string> all = store_.tags(owner, repo);
      const Page p = page_of(req);
      json arr = json::array();
      for (size_t i = p.begin(all.size()); i < p.end(all.size()); ++i) arr.push_back(tag_json(base, owner, repo, all[i]));
      out.body = json_text(arr);
      out.link = link_header(base.web + req.path, p, all.size());
      return 200;
    }
    default:
      return 404;
  }
}

void Service::api_get(const httplib::Request& req, httplib::Response& res, const Route& route, const BaseUrls& base,
                      const Auth& auth) {
  const bool see_drafts = auth.who.has_value();
  if (route.kind == RouteKind::Asset && wants_octet_stream(req)) {
    const ReleasePtr r = store_.release_with_asset(route.owner, route.repo, route.id);
    const std::optional<Repo> repo = store_.find_repo(route.owner, route.repo);
    if (!r || !repo || (r->draft && !see_drafts)) {
      send_error(res, 404, "Not Found");
      return;
    }
    serve_asset(req, res, *repo, *r, *r->find_asset(route.id));
    return;
  }
  set_rate_limit_headers(res);
  const uint64_t generation = store_.generation();
  const BodyFormat format = body_format_from_accept(req.get_header_value("Accept"));
  std::string key;
  key.reserve(base.web.size() + req.path.size() + 32);
  key += base.web;
  key += see_drafts ? "\nD" : "\nP";
  key += std::to_string(static_cast<int>(format));
  key += '\n';
  key += req.path;
  if (route.kind == RouteKind::Releases || route.kind == RouteKind::ReleaseAssets || route.kind == RouteKind::Tags) {
    const Page p = page_of(req);
    key += '?';
    key += std::to_string(p.per_page);
    key += '&';
    key += std::to_string(p.page);
  }
  std::shared_ptr<const ResponseCache::Entry> entry = cache_.get(key, generation);
  if (!entry) {
    auto fresh = std::make_shared<ResponseCache::Entry>();
    const int status = api_get_json(req, route, base, see_drafts, format, *fresh);
    if (status != 200) {
      const bool no_latest = route.kind == RouteKind::ReleaseLatest && status == 404;
      send_error(res, status, no_latest ? no_release_message(route.owner, route.repo) : "Not Found");
      return;
    }
    fresh->etag = body_etag(fresh->body);
    fresh->fields.add("ETag", fresh->etag)
        .add("Cache-Control", "public, max-age=60, s-maxage=60")
        .add("Vary", "Accept, Authorization");
    entry = fresh;
    cache_.put(key, generation, entry);
  }
  entry->fields.set_in(res);
  if (!entry->link.empty()) res.set_header(kHeaderLink, entry->link);
  if (etag_matches(req, entry->etag)) {
    res.status = 304;
    return;
  }
  res.status = 200;
  // What set_content does, less its search for an earlier Content-Type (there is none here).
  res.body = entry->body;
  res.set_header(kHeaderContentType, kJsonType);
}

void Service::api_delete(httplib::Response& res, const Route& route, const Auth& auth) {
  if (!require_auth(auth, res)) return;
  if (route.kind != RouteKind::ReleaseById && route.kind != RouteKind::Asset && route.kind != RouteKind::TagRef) {
    send_error(res, 404, "Not Found");
    return;
  }
  run_write(res, [&] {
    if (route.kind == RouteKind::ReleaseById) {
      store_.delete_release(route.owner, route.repo, route.id);
    } else if (route.kind == RouteKind::TagRef) {
      store_.delete_tag(route.owner, route.repo, route.tag);
    } else {
      store_.delete_asset(route.owner, route.repo, route.id);
    }
    res.status = 204;
  });
}

void Service::api_root_call(httplib::Response& res, const Route& route, const BaseUrls& base, const Auth& auth) {
  set_rate_limit_headers(res);
  // Every valid token may write (to some repositories at least): GitHub's classic scope for
  // it. read:org too, as gh auth status calls a token without it unusable; there are no
  // organisations here, so reading them grants nothing.
  if (auth.token) res.set_header("X-OAuth-Scopes", "repo, read:org");
  switch (route.kind) {
    case RouteKind::ApiRoot: send_json(res, 200, api_root_json(base)); return;
    case RouteKind::RateLimit: send_json(res, 200, rate_limit_json()); return;
    case RouteKind::User:
      if (!auth.token) {
        send_error(res, 401, "Requires authentication");
        res.set_header("WWW-Authenticate", "Bearer realm=\"vt132-ota-server\"");
        return;
      }
      send_json(res, 200, authenticated_user_json(base, auth.token->name, auth.token->created_at));
      return;
    default: send_error(res, 404, "Not Found");
  }
}

void Service::api_create_release(const httplib::Request&, httplib::Response& res, const Route& route,
                                 const BaseUrls& base, const Auth& auth, const std::string& body) {
  json j;
  ReleaseFields fields;
  if (!parse_object(body, j, res) || !release_fields_from(j, fields, res)) return;
  if (!fields.tag_name) {
    send_error(res, 422, "Invalid request: tag_name is required", {{"Release", "missing_field", "tag_name"}});
    return;
  }
  run_write(res, [&] {
    const ReleasePtr r = store_.create_release(route.owner, route.repo, fields, *auth.who);
    const json out = release_view(base, route.owner, route.repo, *r);
    res.set_header("Location", out["url"].get<std::string>());
    send_json(res, 201, out);
  });
}

namespace {

// The 422 for a vt132_swap_assets body swap_request() refuses.
void send_swap_error(httplib::Response& res) {
  send_error(res, 422,
             "Invalid request: vt132_swap_assets must be the only field, a list of 1 to " +
                 std::to_string(kMaxSwapEntries) + " {\"asset_id\": N, \"name\": NAME} objects",
             {{"Release", "invalid", "vt132_swap_assets"}});
}

}  // namespace

void Service::api_update_release(httplib::Response& res, const Route& route, const BaseUrls& base, const Auth&,
                                 const std::string& body) {
  json j;
  ReleaseFields fields;
  if (!parse_object(body, j, res)) return;
  if (j.contains("vt132_swap_assets")) {
    std::optional<std::vector<AssetRename>> renames = swap_request(j);
    if (!renames) return send_swap_error(res);
    run_write(res, [&] {
      for (AssetRename& x : *renames) x.name = stored_name(x.name);
      const ReleasePtr r = store_.swap_assets(route.owner, route.repo, route.id, *renames);
      send_json(res, 200, release_view(base, route.owner, route.repo, *r));
    });
    return;
  }
  if (!release_fields_from(j, fields, res)) return;
  run_write(res, [&] {
    const ReleasePtr r = store_.update_release(route.owner, route.repo, route.id, fields);
    send_json(res, 200, release_view(base, route.owner, route.repo, *r));
  });
}

void Service::api_update_asset(httplib::Response& res, const Route& route, const BaseUrls& base, const Auth&,
                               const std::string& body) {
  json j;
  if (!parse_object(body, j, res)) return;
  std::optional<std::string> name, label;
  for (const char* key : {"name", "label"}) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) continue;
    if (!it->is_string()) {
      send_error(res, 422, std::string("Invalid request: ") + key + " must be a string",
                 {{"ReleaseAsset", "invalid", key}});
      return;
    }
    (std::string(key) == "name" ? name : label) = it->get<std::string>();
  }
  run_write(res, [&] {
    if (name) name = stored_name(*name);
    const Asset a = store_.update_asset(route.owner, route.repo, route.id, name, label);
    const ReleasePtr r = store_.release_with_asset(route.owner, route.repo, route.id);
    if (!r) throw StoreError(StoreError::NotFound, "ReleaseAsset", "", "Not Found");
    send_json(res, 200, asset_json(base, route.owner, route.repo, *r, a));
  });
}

void Service::api_upload(const httplib::Request& req, httplib::Response& res, const Route& route,
                         const BaseUrls& base, const Auth& auth, const httplib::ContentReader& reader) {
  // Everything is checked before a byte of the body is read. A refused upload's body is
  // read and dropped before the answer, and the connection then closes: closing on unread
  // bytes makes the kernel reset the connection, and a client still sending would lose the
  // answer that says why (bounded: its Content-Length is at most max_upload_bytes, checked
  // before routing, and the read timeout applies). Without a Content-Length there is no body.
  if (!req.has_header("Content-Length")) {
    send_error(res, 411, "Content-Length is required for uploads");
    close_after(res);
    return;
  }
  bool body_read = false;
  run_write(res, [&] {
    // Renamed as GitHub does ("My File (x64).zip" -> "My.File.x64.zip"); the answer says
    // the stored name.
    const std::string name = stored_name(req.get_param_value("name"));
    const std::string label = req.get_param_value("label");
    std::string content_type = req.get_header_value("Content-Type");
    if (content_type.empty()) content_type = "application/octet-stream";
    if (!valid_text(label, kMaxLabelLength, false)) {
      throw StoreError(StoreError::Invalid, "ReleaseAsset", "label", "label is too long or has control characters");
    }
    if (!valid_text(content_type, 255, false)) {
      throw StoreError(StoreError::Invalid, "ReleaseAsset", "content_type", "Content-Type is invalid");
    }
    const ReleasePtr release = store_.release_by_id(route.owner, route.repo, route.id);
    if (!release) throw StoreError(StoreError::NotFound, "Release", "", "Not Found");
    std::unique_ptr<Upload> upload = store_.begin_upload();  // disk full, EMFILE: before the body
    bool write_failed = false;
    // After a failed write the rest of the body is still read (and dropped), see above.
    const bool ok = reader([&](const char* data, size_t len) {
      if (!write_failed && !upload->write(data, len)) write_failed = true;
      return true;
    });
    body_read = true;
    if (write_failed && upload->disk_full()) {
      throw StoreError(StoreError::DiskFull, "", "",
                       "upload of " + name + " cut at " + std::to_string(upload->size()) + " bytes");
    }
    if (write_failed) throw host::Error("cannot write upload of " + name);
    if (!ok) {
      send_error(res, 400, "Problems reading the request body");
      return;
    }
    const UploadResult result = store_.commit_upload(route.owner, route.repo, route.id, std::move(upload), name,
                                                     label, content_type, *auth.who);
    const ReleasePtr r = store_.release_with_asset(route.owner, route.repo, result.asset.id);
    send_json(res, result.created ? 201 : 200,
              asset_json(base, route.owner, route.repo, r ? *r : *release, result.asset));
  });
  if (res.status >= 400) {
    if (!body_read) reader([](const char*, size_t) { return true; });
    close_after(res);
  }
}

}  // namespace vt132::server
