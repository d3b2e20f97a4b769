#pragma once
// Request path -> route. The server registers no per-route regexes with httplib: every path
// goes through parse_route(), which splits it into segments and validates each name, so a
// path either maps to exactly one route with checked names or to NotFound. Self-contained
// (std only) for the fuzz target.
#include <cstdint>
#include <string_view>

namespace vt132::server {

enum class RouteKind {
  NotFound,
  Home,            // /                                  HTML
  Healthz,         // /healthz
  Metrics,         // /metrics
  CaCert,          // /ca.pem: the CA the server generated (ca_certificate.hpp)
  DevicesPage,     // /devices                           HTML (devices_view.hpp)
  DevicesApi,      // /api/v3/vt132/devices              JSON
  GraphQL,         // /api/graphql
  ApiRoot,         // /api/v3 and /api/v3/: GitHub's root object of URL templates
  User,            // {api}/user: who the token is
  RateLimit,       // {api}/rate_limit
  Repo,            // {api}/repos/{o}/{r}
  Releases,        // {api}/repos/{o}/{r}/releases       GET list, POST create
  ReleaseLatest,   // .../releases/latest
  ReleaseByTag,    // .../releases/tags/{tag}
  ReleaseById,     // .../releases/{id}                  GET PATCH DELETE
  ReleaseAssets,   // .../releases/{id}/assets           GET list, POST upload
  Asset,           // .../releases/assets/{id}           GET PATCH DELETE
  Tags,            // {api}/repos/{o}/{r}/tags
  TagRef,          // {api}/repos/{o}/{r}/git/ref[s]/tags/{tag}   GET DELETE
  Download,        // /{o}/{r}/releases/download/{tag}/{name}
  LatestDownload,  // /{o}/{r}/releases/latest/download/{name}
  RepoPage,        // /{o}/{r} and /{o}/{r}/releases     HTML
  ReleasePage,     // /{o}/{r}/releases/tag/{tag}         HTML (a release's html_url)
  LatestPage,      // /{o}/{r}/releases/latest            HTML
  RootAsset,       // /{name}: the --repo's latest asset (older firmware's /VT132.bin);
                   // "user", "rate_limit", "healthz", "metrics", "ca.pem" and "devices" are taken by the routes above
};

// The name used in logs and metric labels.
const char* route_name(RouteKind kind);

constexpr size_t kMaxPathLength = 2048;

struct Route {
  RouteKind kind = RouteKind::NotFound;
  // Views into the parsed path; set when the route has them, already validated.
  std::string_view owner;
  std::string_view repo;
  std::string_view tag;
  std::string_view name;
  uint64_t id = 0;
};

// `path` is the percent-decoded path without the query string. The API is served at `/`,
// `/api/v3` and (for uploads and everything else, as some clients send all calls there)
// `/api/uploads`. Asset names in download paths are the stored (normalised) names.
Route parse_route(std::string_view path);

}  // namespace vt132::server
