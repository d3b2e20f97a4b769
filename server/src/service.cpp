#include "service.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <ctime>

#include "devices_view.hpp"
#include "names.hpp"

namespace vt132::server {
using json = nlohmann::json;

// ---- helpers ----

std::string json_text(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_json(httplib::Response& res, int status, const json& j) {
  res.status = status;
  res.set_content(json_text(j), "application/json; charset=utf-8");
}

void send_error(httplib::Response& res, int status, const std::string& message, const std::vector<FieldError>& errors) {
  res.status = status;
  res.set_content(error_body(message, errors), "application/json; charset=utf-8");
}

std::string body_etag(const std::string& body) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : body) h = (h ^ c) * 1099511628211ull;
  char buf[32];
  std::snprintf(buf, sizeof buf, "W/\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

bool etag_matches(const httplib::Request& req, const std::string& etag) {
  // One lookup: an absent header reads as "", which matches nothing.
  const std::string value = req.get_header_value("If-None-Match");
  if (value.empty()) return false;
  if (value == "*") return true;
  // Weak comparison (RFC 9110 8.8.3.2): W/"x" and "x" match.
  auto opaque = [](std::string_view t) {
    if (t.substr(0, 2) == "W/") t.remove_prefix(2);
    return t;
  };
  const std::string_view want = opaque(etag);
  std::string_view rest = value;
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (opaque(item) == want) return true;
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return false;
}

void close_after(httplib::Response& res) { res.set_header("Connection", "close"); }

// ---- cache ----

std::shared_ptr<const ResponseCache::Entry> ResponseCache::get(const std::string& key, uint64_t generation) const {
  std::shared_lock lock(mutex_);
  if (generation != generation_) return nullptr;
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  return it->second;
}

void ResponseCache::put(const std::string& key, uint64_t generation, std::shared_ptr<const Entry> entry) {
  std::unique_lock lock(mutex_);
  if (generation < generation_) return;  // computed from an older store
  if (generation != generation_ || entries_.size() >= kMaxEntries) {
    entries_.clear();
    generation_ = generation;
  }
  entries_.emplace(key, std::move(entry));
}

// ---- Service ----

namespace {

// The public keys the pages check release signatures with: --trust-key, the key a mirror
// also requires. Without it the pages say "key not checked by this server".
std::vector<host::VerifyKey> trusted_keys(const ServerConfig& config) {
  std::vector<host::VerifyKey> keys;
  if (!config.trust_key.empty()) keys.emplace_back(config.trust_key);
  return keys;
}

}  // namespace

Service::Service(const ServerConfig& config, Store& store, TokenStore& tokens, Metrics& metrics)
    : config_(config), store_(store), tokens_(tokens), metrics_(metrics), views_(trusted_keys(config)) {
  const size_t slash = config.repo.find('/');
  if (slash != std::string::npos) {
    repo_owner_ = config.repo.substr(0, slash);
    repo_name_ = config.repo.substr(slash + 1);
  }
}

std::optional<Repo> Service::existing_repo(std::string_view owner, std::string_view name) const {
  if (std::optional<Repo> stored = store_.find_repo(owner, name)) return stored;
  if (!repo_owner_.empty() && iequals(owner, repo_owner_) && iequals(name, repo_name_)) {
    return Repo{0, repo_owner_, repo_name_};
  }
  return std::nullopt;
}

std::string Service::no_release_message(std::string_view owner, std::string_view name) const {
  const std::string full = std::string(owner) + "/" + std::string(name);
  const std::string fill = "on the server, run: vt132-ota-server add VT132.bin --data DIR";
  if (existing_repo(owner, name)) return "No release of " + full + " to serve yet; " + fill;
  constexpr size_t kNamed = 5;  // enough to spot a typo, bounded for a big server
  std::string known;
  const std::vector<Repo> repos = store_.repos();
  for (size_t i = 0; i < repos.size() && i < kNamed; ++i) {
    known += (known.empty() ? "" : ", ") + repos[i].owner + "/" + repos[i].name;
  }
  if (repos.size() > kNamed) known += ", ...";
  if (known.empty() && !repo_owner_.empty()) known = repo_owner_ + "/" + repo_name_;
  if (known.empty()) return "No repository " + full + " on this server yet; " + fill + " --repo " + full;
  return "No repository " + full + " on this server (it has " + known + ")";
}

Service::Auth Service::authenticate(const httplib::Request& req, const Route& route) {
  Auth auth;
  if (!req.has_header("Authorization")) return auth;
  auth.presented = true;
  const std::string header = req.get_header_value("Authorization");  // the token below is a view into it
  const auto token = token_from_authorization(header);
  if (!token) return auth;
  try {
    if (const std::optional<TokenInfo> info = tokens_.authenticate(*token)) {
      if (info->allows(route.owner, route.repo)) {
        auth.who = info->name;
      } else {
        auth.scope = info->repos;
      }
      auth.token = info;
    }
  } catch (const TokenFileError& e) {
    spdlog::error("{}; no token can be checked until it is repaired", e.what());
    auth.token_file_error = e.what();
  }
  return auth;
}

bool Service::reject_credentials(const Auth& auth, httplib::Response& res) {
  if (!auth.token_file_error.empty()) {
    send_error(res, 503, "The server cannot check tokens: its token file is unreadable (" + auth.token_file_error +
                             "). Ask the server's operator to repair or re-create it.");
  } else if (auth.presented && !auth.who && auth.scope.empty()) {
    send_error(res, 401, "Bad credentials");
    res.set_header("WWW-Authenticate", "Bearer realm=\"vt132-ota-server\"");
  } else {
    return false;
  }
  close_after(res);
  return true;
}

bool Service::require_auth(const Auth& auth, httplib::Response& res) {
  if (auth.who) return true;
  if (reject_credentials(auth, res)) return false;
  if (!auth.scope.empty()) {
    std::string repos;
    for (const std::string& r : auth.scope) repos += (repos.empty() ? "" : ", ") + r;
    send_error(res, 403, "Resource not accessible by token: it may only write to " + repos);
  } else {
    send_error(res, 401, "Requires authentication");
    res.set_header("WWW-Authenticate", "Bearer realm=\"vt132-ota-server\"");
  }
  close_after(res);
  return false;
}

namespace {

bool valid_host_header(const std::string& h) {
  if (h.empty() || h.size() > 255) return false;
  for (char c : h) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

BaseUrls Service::base_urls(const httplib::Request& req, bool secure) const {
  if (!config_.public_url.empty()) return BaseUrls{config_.public_url};
  std::string host = req.get_header_value("Host");
  if (!valid_host_header(host)) {
    host = req.local_addr.find(':') != std::string::npos ? "[" + req.local_addr + "]" : req.local_addr;
    host += ":" + std::to_string(req.local_port);
  }
  return BaseUrls{std::string(secure ? "https://" : "http://") + host};
}

void Service::note_client(const httplib::Request& req) {
  if (devices_) devices_->seen(ClientFacts{req.remote_addr, req.get_header_value("User-Agent"), std::time(nullptr)});
}

void Service::handle(const httplib::Request& req, httplib::Response& res, bool secure) {
  const Route route = parse_route(req.path);
  const bool get = req.method == "GET" || req.method == "HEAD";
  const bool download_route = route.kind == RouteKind::Download || route.kind == RouteKind::LatestDownload ||
                              route.kind == RouteKind::RootAsset;
  if (!download_route) note_client(req);
  switch (route.kind) {
    case RouteKind::Healthz:
      if (!get) break;
      res.status = 200;
      res.set_content("ok\n", "text/plain");
      return;
    case RouteKind::Metrics:
      if (!get) break;
      res.status = 200;
      res.set_content(metrics_.render(store_.quarantine().moved().size()) + (devices_ ? devices_->metrics_text() : ""),
                      "text/plain; version=0.0.4");
      return;
    case RouteKind::DevicesPage:
      if (!get) break;
      res.status = 200;
      res.set_content(devices_page_html(devices_), "text/html; charset=utf-8");
      return;
    case RouteKind::DevicesApi:
      if (!get) break;
      send_json(res, 200, devices_json(devices_));
      return;
    case RouteKind::CaCert:
      if (!get) break;
      ca_certificate(res);
      return;
    case RouteKind::Home:
    case RouteKind::RepoPage:
      if (!get) break;
      page(req, res, route, base_urls(req, secure));
      return;
    case RouteKind::ReleasePage:
    case RouteKind::LatestPage:
      if (!get) break;
      release_page(res, route, base_urls(req, secure));
      return;
    case RouteKind::ApiRoot:
    case RouteKind::User:
    case RouteKind::RateLimit: {
      if (!get) break;
      const Auth auth = authenticate(req, route);
      if (reject_credentials(auth, res)) return;
      api_root_call(res, route, base_urls(req, secure), auth);
      return;
    }
    case RouteKind::Download:
    case RouteKind::LatestDownload:
    case RouteKind::RootAsset:
      if (!get) break;
      download(req, res, route);
      return;
    case RouteKind::Repo:
    case RouteKind::Releases:
    case RouteKind::ReleaseLatest:
    case RouteKind::ReleaseByTag:
    case RouteKind::ReleaseById:
    case RouteKind::ReleaseAssets:
    case RouteKind::Asset:
    case RouteKind::Tags:
    case RouteKind::TagRef: {
      const Auth auth = authenticate(req, route);
      if (reject_credentials(auth, res)) return;
      if (get) {
        api_get(req, res, route, base_urls(req, secure), auth);
        return;
      }
      if (req.method == "DELETE") {
        api_delete(res, route, auth);
        return;
      }
      break;
    }
    case RouteKind::GraphQL:
    case RouteKind::NotFound:
      break;
  }
  send_error(res, 404, "Not Found");
}

void Service::handle_with_body(const httplib::Request& req, httplib::Response& res,
                               const httplib::ContentReader& reader, bool secure) {
  const Route route = parse_route(req.path);
  const Auth auth = authenticate(req, route);
  const bool post = req.method == "POST";
  const bool patch = req.method == "PATCH";
  const bool api_write = (post && (route.kind == RouteKind::Releases || route.kind == RouteKind::ReleaseAssets)) ||
                         (patch && (route.kind == RouteKind::ReleaseById || route.kind == RouteKind::Asset));
  const bool graphql_post = post && route.kind == RouteKind::GraphQL;
  if (!api_write && !graphql_post) {
    send_error(res, 404, "Not Found");
    close_after(res);
    return;
  }
  if (graphql_post) {
    // Reads are public, GraphQL included; a token that is sent must be valid.
    if (reject_credentials(auth, res)) return;
  } else if (!require_auth(auth, res)) {
    return;
  }
  if (route.kind == RouteKind::ReleaseAssets) {
    api_upload(req, res, route, base_urls(req, secure), auth, reader);
    return;
  }
  std::string body;
  bool too_big = false;
  const bool ok = reader([&](const char* data, size_t len) {
    if (body.size() + len > kMaxJsonBody) {
      too_big = true;
      return false;
    }
    body.append(data, len);
    return true;
  });
  if (too_big) {
    send_error(res, 413, "Request body too large");
    close_after(res);
    return;
  }
  if (!ok) {
    send_error(res, 400, "Problems reading the request body");
    close_after(res);
    return;
  }
  if (graphql_post) {
    graphql(res, base_urls(req, secure), auth, body);
    return;
  }
  const BaseUrls base = base_urls(req, secure);
  switch (route.kind) {
    case RouteKind::Releases: api_create_release(req, res, route, base, auth, body); return;
    case RouteKind::ReleaseById: api_update_release(res, route, base, auth, body); return;
    case RouteKind::Asset: api_update_asset(res, route, base, auth, body); return;
    default: send_error(res, 404, "Not Found");
  }
}

}  // namespace vt132::server
