#pragma once
// The HTTP behaviour of the server, independent of how it listens: routing, the REST API,
// downloads, pages, GraphQL, /healthz and /metrics. http_server.cpp wires it into httplib.
#include <httplib.h>

#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "ca_certificate.hpp"
#include "config.hpp"
#include "devices.hpp"
#include "github_json.hpp"
#include "header_lines.hpp"
#include "metrics.hpp"
#include "release_view.hpp"
#include "route.hpp"
#include "storage.hpp"
#include "tokens.hpp"

namespace vt132::server {

constexpr size_t kMaxJsonBody = 1u << 20;

// GET responses keyed by everything they depend on, dropped whenever the store changes,
// so a busy `releases/latest` is one hash lookup. Entries are shared, never copied: a hit
// costs a reference count, and the body is copied once, into the response.
class ResponseCache {
 public:
  struct Entry {
    std::string body;
    std::string etag;
    std::string link;  // the Link header of paginated lists
    HeaderLines fields;  // ETag, Cache-Control and Vary, made once with the entry
  };
  std::shared_ptr<const Entry> get(const std::string& key, uint64_t generation) const;
  void put(const std::string& key, uint64_t generation, std::shared_ptr<const Entry> entry);

 private:
  static constexpr size_t kMaxEntries = 4096;
  mutable std::shared_mutex mutex_;
  uint64_t generation_ = 0;
  std::unordered_map<std::string, std::shared_ptr<const Entry>> entries_;
};

class Service {
 public:
  Service(const ServerConfig& config, Store& store, TokenStore& tokens, Metrics& metrics);

  // Requests without a body (GET, HEAD, DELETE, OPTIONS), answered before httplib reads
  // anything more; `secure` says which listener it came from.
  void handle(const httplib::Request& req, httplib::Response& res, bool secure);
  // POST and PATCH: the body is read here, bounded, through `reader`.
  void handle_with_body(const httplib::Request& req, httplib::Response& res, const httplib::ContentReader& reader,
                        bool secure);

  const ServerConfig& config() const { return config_; }
  // A repository that exists: one the store holds, or the --repo one before its first
  // release (as a repository made on GitHub exists before it has releases). Others list
  // their releases and tags as 404. (GET /repos/{o}/{r} answers for any name: see api.cpp.)
  std::optional<Repo> existing_repo(std::string_view owner, std::string_view name) const;
  Metrics& metrics() { return metrics_; }
  // The CA /ca.pem serves and the pages show (nullopt: the operator's own certificate).
  // Set before serving.
  void set_ca(std::optional<CaCertificate> ca) { ca_ = std::move(ca); }
  const std::optional<CaCertificate>& ca() const { return ca_; }
  // The 404 message when OWNER/NAME has no latest release to serve: names the repository and
  // the command that fills it, or, for a repository this server does not have, the ones it
  // has (a device typing the wrong name sees why).
  std::string no_release_message(std::string_view owner, std::string_view name) const;
  // The devices list (devices.hpp); nullptr (the default) with --no-device-log. Set before
  // serving; it must outlive the service.
  void set_devices(Devices* devices) { devices_ = devices; }

 private:
  struct Auth {
    bool presented = false;          // an Authorization header was sent
    std::optional<std::string> who;  // the token's name when it is valid for the route's repository
    std::vector<std::string> scope;  // set when a valid token is limited to other repositories
    std::optional<TokenInfo> token;  // the valid token presented, whatever it may write to
    std::string token_file_error;    // set when the server could not read its token file
  };
  // The token presented, checked against the repository `route` names.
  Auth authenticate(const httplib::Request& req, const Route& route);
  // Answers 401 (unknown token) or 503 (token file unreadable) and returns true when a
  // presented token cannot be used at all; reads without a usable token stay public.
  bool reject_credentials(const Auth& auth, httplib::Response& res);
  // For writes: a token valid for this repository, else 401 or 403 answered here.
  bool require_auth(const Auth& auth, httplib::Response& res);
  BaseUrls base_urls(const httplib::Request& req, bool secure) const;

  // api.cpp
  void api_get(const httplib::Request& req, httplib::Response& res, const Route& route, const BaseUrls& base,
               const Auth& auth);
  void api_delete(httplib::Response& res, const Route& route, const Auth& auth);
  // /api/v3/, /user and /rate_limit: the calls clients make to learn who and where they are.
  void api_root_call(httplib::Response& res, const Route& route, const BaseUrls& base, const Auth& auth);
  void api_create_release(const httplib::Request& req, httplib::Response& res, const Route& route,
                          const BaseUrls& base, const Auth& auth, const std::string& body);
  void api_update_release(httplib::Response& res, const Route& route, const BaseUrls& base, const Auth& auth,
                          const std::string& body);
  void api_update_asset(httplib::Response& res, const Route& route, const BaseUrls& base, const Auth& auth,
                        const std::string& body);
  void api_upload(const httplib::Request& req, httplib::Response& res, const Route& route, const BaseUrls& base,
                  const Auth& auth, const httplib::ContentReader& reader);
  // The JSON GETs, cacheable: fills body/link or returns an HTTP error status.
  int api_get_json(const httplib::Request& req, const Route& route, const BaseUrls& base, bool see_drafts,
                   BodyFormat format, ResponseCache::Entry& out);

  // downloads.cpp
  void download(const httplib::Request& req, httplib::Response& res, const Route& route);
  void serve_asset(const httplib::Request& req, httplib::Response& res, const Repo& repo, const Release& release,
                   const Asset& asset);

  // html_page.cpp: the repository pages, one release's page (html_url) and /ca.pem
  void page(const httplib::Request& req, httplib::Response& res, const Route& route, const BaseUrls& base);
  void release_page(httplib::Response& res, const Route& route, const BaseUrls& base);
  void ca_certificate(httplib::Response& res);
  // html_page_hooks.cpp: sections of `/` that other parts of the server fill in.
  std::string mirror_status_html() const;
  std::string devices_seen_html() const;

  // The devices list: every request but an asset download (serve_asset records those).
  void note_client(const httplib::Request& req);

  // graphql.cpp
  void graphql(httplib::Response& res, const BaseUrls& base, const Auth& auth, const std::string& body);

  const ServerConfig& config_;
  Store& store_;
  TokenStore& tokens_;
  Metrics& metrics_;
  Devices* devices_ = nullptr;
  ResponseCache cache_;
  ReleaseViewCache views_;  // the pages' notes HTML and signing facts per release
  std::optional<CaCertificate> ca_;
  std::string repo_owner_;  // from --repo
  std::string repo_name_;
};

// Helpers shared by the parts of Service.
void send_error(httplib::Response& res, int status, const std::string& message,
                const std::vector<FieldError>& errors = {});
void send_json(httplib::Response& res, int status, const nlohmann::json& j);
std::string json_text(const nlohmann::json& j);
// Weak ETag over a body (FNV-1a 64).
std::string body_etag(const std::string& body);
// True when If-None-Match lists `etag` (or is "*").
bool etag_matches(const httplib::Request& req, const std::string& etag);
// Asks httplib to close the connection after this response: for answers given before a
// request body was read, so its bytes are never taken for the next request.
void close_after(httplib::Response& res);

}  // namespace vt132::server
