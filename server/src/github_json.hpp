#pragma once
// GitHub-shaped JSON for releases, assets, users, the repository and errors (REST API
// version 2022-11-28), with URLs that point at this server.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage.hpp"

namespace vt132::server {

// Where this server is reached, as the client sees it (from the Host header or the
// configured public URL). URLs use GitHub Enterprise Server's shape, which we serve too.
struct BaseUrls {
  std::string web;  // https://host:port

  std::string api() const { return web + "/api/v3"; }
  std::string uploads() const { return web + "/api/uploads"; }
};

nlohmann::json user_json(const BaseUrls& base, const std::string& login);
// GET /user: the token's name as login, with the fields of GitHub's private-user schema.
nlohmann::json authenticated_user_json(const BaseUrls& base, const std::string& login, int64_t created_at);
std::string release_html_url(const BaseUrls& base, std::string_view owner, std::string_view repo,
                             std::string_view tag);
nlohmann::json repo_json(const BaseUrls& base, const Repo& repo);
nlohmann::json asset_json(const BaseUrls& base, std::string_view owner, std::string_view repo,
                          const Release& release, const Asset& asset);
// Which body fields a release carries, from the Accept media types as GitHub reads them
// (application/vnd.github[.v3].FORMAT[+json], Octokit sends "application/vnd.github.v3.html"):
// raw and plain JSON: body; html: body_html; full: both. text is answered like raw (there is
// no plain-text renderer; docs/local-server.md says so).
enum class BodyFormat { Raw, Html, Full };
BodyFormat body_format_from_accept(std::string_view accept);
nlohmann::json release_json(const BaseUrls& base, std::string_view owner, std::string_view repo,
                            const Release& release, BodyFormat format = BodyFormat::Raw);

struct FieldError {
  std::string resource;  // "Release", "ReleaseAsset"
  std::string code;      // "already_exists", "invalid", "missing_field"
  std::string field;
};
// {"message": ..., "documentation_url": ...} plus "errors" when given.
std::string error_body(const std::string& message, const std::vector<FieldError>& errors = {});

}  // namespace vt132::server
