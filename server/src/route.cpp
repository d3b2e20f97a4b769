#include "route.hpp"

#include <array>

#include "names.hpp"

namespace vt132::server {
namespace {

constexpr size_t kMaxSegments = 10;

struct Segments {
  std::array<std::string_view, kMaxSegments> items;
  size_t count = 0;
  std::string_view operator[](size_t i) const { return items[i]; }
};

// Splits "/a/b/c" into {a, b, c}. False for an empty segment ("//", trailing '/') or too
// many segments; "/" is zero segments.
bool split(std::string_view path, Segments& out) {
  if (path.empty() || path.front() != '/') return false;
  path.remove_prefix(1);
  if (path.empty()) return true;
  while (true) {
    const size_t slash = path.find('/');
    const std::string_view seg = path.substr(0, slash);
    if (seg.empty() || out.count == kMaxSegments) return false;
    out.items[out.count++] = seg;
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

Route not_found() { return Route{}; }

// Segments after "repos": {o}/{r}/...
Route parse_api(const Segments& s, size_t i) {
  const size_t n = s.count - i;
  if (n < 2 || !valid_owner(s[i]) || !valid_repo(s[i + 1])) return not_found();
  Route r;
  r.owner = s[i];
  r.repo = s[i + 1];
  if (n == 2) {
    r.kind = RouteKind::Repo;
    return r;
  }
  if (n == 3 && s[i + 2] == "tags") {
    r.kind = RouteKind::Tags;
    return r;
  }
  // GitHub reads one ref at git/ref/{ref} and deletes it at git/refs/{ref}; both answer here.
  if (n == 6 && s[i + 2] == "git" && (s[i + 3] == "refs" || s[i + 3] == "ref") && s[i + 4] == "tags" &&
      valid_tag(s[i + 5])) {
    r.kind = RouteKind::TagRef;
    r.tag = s[i + 5];
    return r;
  }
  if (s[i + 2] != "releases") return not_found();
  if (n == 3) {
    r.kind = RouteKind::Releases;
    return r;
  }
  const std::string_view a = s[i + 3];
  if (n == 4) {
    if (a == "latest") {
      r.kind = RouteKind::ReleaseLatest;
      return r;
    }
    if (auto id = parse_id(a)) {
      r.kind = RouteKind::ReleaseById;
      r.id = *id;
      return r;
    }
    return not_found();
  }
  if (n == 5) {
    const std::string_view b = s[i + 4];
    if (a == "tags" && valid_tag(b)) {
      r.kind = RouteKind::ReleaseByTag;
      r.tag = b;
      return r;
    }
    if (a == "assets") {
      if (auto id = parse_id(b)) {
        r.kind = RouteKind::Asset;
        r.id = *id;
        return r;
      }
      return not_found();
    }
    if (b == "assets") {
      if (auto id = parse_id(a)) {
        r.kind = RouteKind::ReleaseAssets;
        r.id = *id;
        return r;
      }
    }
  }
  return not_found();
}

}  // namespace

const char* route_name(RouteKind kind) {
  switch (kind) {
    case RouteKind::NotFound: return "not_found";
    case RouteKind::Home: return "home";
    case RouteKind::Healthz: return "healthz";
    case RouteKind::Metrics: return "metrics";
    case RouteKind::CaCert: return "ca_cert";
    case RouteKind::DevicesPage: return "devices_page";
    case RouteKind::DevicesApi: return "devices_api";
    case RouteKind::GraphQL: return "graphql";
    case RouteKind::ApiRoot: return "api_root";
    case RouteKind::User: return "user";
    case RouteKind::RateLimit: return "rate_limit";
    case RouteKind::Repo: return "repo";
    case RouteKind::Releases: return "releases";
    case RouteKind::ReleaseLatest: return "release_latest";
    case RouteKind::ReleaseByTag: return "release_by_tag";
    case RouteKind::ReleaseById: return "release_by_id";
    case RouteKind::ReleaseAssets: return "release_assets";
    case RouteKind::Asset: return "asset";
    case RouteKind::Tags: return "tags";
    case RouteKind::TagRef: return "tag_ref";
    case RouteKind::Download: return "download";
    case RouteKind::LatestDownload: return "latest_download";
    case RouteKind::RepoPage: return "repo_page";
    case RouteKind::ReleasePage: return "release_page";
    case RouteKind::LatestPage: return "latest_page";
    case RouteKind::RootAsset: return "root_asset";
  }
  return "not_found";
}

// Calls that name no repository, at the root or under /api/v3: `segment` is the first one
// after the prefix.
Route parse_root_call(std::string_view segment) {
  Route r;
  if (segment == "user") r.kind = RouteKind::User;
  else if (segment == "rate_limit") r.kind = RouteKind::RateLimit;
  return r;
}

Route parse_route(std::string_view path) {
  if (path.size() > kMaxPathLength) return not_found();
  Route r;
  // gh asks for the API root with its trailing slash, which split() refuses.
  if (path == "/api/v3/" || path == "/api/v3") {
    r.kind = RouteKind::ApiRoot;
    return r;
  }
  Segments s;
  if (!split(path, s)) return not_found();
  if (s.count == 0) {
    r.kind = RouteKind::Home;
    return r;
  }
  if (s.count == 1) {
    if (s[0] == "healthz") {
      r.kind = RouteKind::Healthz;
    } else if (s[0] == "metrics") {
      r.kind = RouteKind::Metrics;
    } else if (s[0] == "ca.pem") {
      r.kind = RouteKind::CaCert;
    } else if (s[0] == "devices") {
      r.kind = RouteKind::DevicesPage;
    } else if (const Route call = parse_root_call(s[0]); call.kind != RouteKind::NotFound) {
      return call;
    } else if (stored_asset_name(s[0])) {
      r.kind = RouteKind::RootAsset;
      r.name = s[0];
    }
    return r;
  }
  if (s[0] == "repos") return parse_api(s, 1);
  if (s[0] == "api") {
    if (s.count == 2 && s[1] == "graphql") {
      r.kind = RouteKind::GraphQL;
      return r;
    }
    if ((s[1] == "v3" || s[1] == "uploads") && s.count > 2 && s[2] == "repos") return parse_api(s, 3);
    if (s[1] == "v3" && s.count == 3) return parse_root_call(s[2]);
    if (s[1] == "v3" && s.count == 4 && s[2] == "vt132" && s[3] == "devices") {
      r.kind = RouteKind::DevicesApi;
      return r;
    }
    return not_found();
  }
  // Browser-style paths: /{o}/{r}[/releases[/download/{tag}/{name} | /latest/download/{name}]]
  if (!valid_owner(s[0]) || !valid_repo(s[1])) return not_found();
  r.owner = s[0];
  r.repo = s[1];
  if (s.count == 2 || (s.count == 3 && s[2] == "releases")) {
    r.kind = RouteKind::RepoPage;
    return r;
  }
  if (s[2] != "releases") return not_found();
  if (s.count == 4 && s[3] == "latest") {
    r.kind = RouteKind::LatestPage;
    return r;
  }
  if (s.count == 5 && s[3] == "tag" && valid_tag(s[4])) {
    r.kind = RouteKind::ReleasePage;
    r.tag = s[4];
    return r;
  }
  if (s.count == 6 && s[3] == "download" && valid_tag(s[4]) && stored_asset_name(s[5])) {
    r.kind = RouteKind::Download;
    r.tag = s[4];
    r.name = s[5];
    return r;
  }
  if (s.count == 6 && s[3] == "latest" && s[4] == "download" && stored_asset_name(s[5])) {
    r.kind = RouteKind::LatestDownload;
    r.name = s[5];
    return r;
  }
  return not_found();
}

}  // namespace vt132::server
