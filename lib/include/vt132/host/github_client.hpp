#pragma once
// A small client for the GitHub REST API (api.github.com, GitHub Enterprise, or
// vt132-ota-server, which answers the same paths): JSON requests, raw asset uploads, and
// errors turned into messages a maintainer can act on.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "vt132/host/error.hpp"

namespace httplib {
class Client;
}

namespace vt132::host {

// An HTTP status other than the expected one, with GitHub's "message" when it sent one.
class ApiError : public Error {
 public:
  ApiError(int status, const std::string& message) : Error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct ApiUrl {
  std::string origin;     // scheme://host[:port]
  std::string base_path;  // "" for api.github.com, "/api/v3" for an Enterprise-style server
};
// Throws Error for anything but an http(s) URL without query or fragment.
ApiUrl parse_api_url(const std::string& url);

struct GitHubClientOptions {
  std::string api_url;  // e.g. https://api.github.com or https://host:8443/api/v3
  std::string token;
  std::string ca_file;  // PEM bundle to trust; empty: the system's
  std::string user_agent = "vt132-release";
};

class GitHubClient {
 public:
  explicit GitHubClient(GitHubClientOptions options);
  ~GitHubClient();
  GitHubClient(const GitHubClient&) = delete;
  GitHubClient& operator=(const GitHubClient&) = delete;

  // `path` is relative to the API base, e.g. "/repos/o/r/releases". Statuses other than
  // 2xx throw ApiError; a 404 on get_optional returns null instead.
  nlohmann::json get(const std::string& path);
  nlohmann::json get_optional(const std::string& path);
  nlohmann::json post(const std::string& path, const nlohmann::json& body);
  nlohmann::json patch(const std::string& path, const nlohmann::json& body);
  void del(const std::string& path);

  using Progress = std::function<void(uint64_t sent, uint64_t total)>;
  // Uploads raw bytes to a release's upload_url template ("...assets{?name,label}"), which may
  // name another host (uploads.github.com). Returns the new asset object.
  nlohmann::json upload(const std::string& upload_url_template, const std::string& name,
                        const std::string& content_type, const std::string& bytes, const Progress& progress);

  // The bytes of a release asset, from its API "url" (absolute), as GitHub documents it:
  // Accept: application/octet-stream, following up to 3 redirects (to a storage host, which
  // never gets the token). Error when the answer is not 200 or exceeds `max_bytes`.
  std::string download(const std::string& asset_api_url, size_t max_bytes);

 private:
  // `binary`: a separate connection whose requests accept application/octet-stream.
  httplib::Client& client_for(const std::string& origin, bool binary = false);
  bool may_send_token(const std::string& origin) const;
  nlohmann::json request(const std::string& method, const std::string& path, const nlohmann::json* body,
                         bool allow_404);

  GitHubClientOptions options_;
  ApiUrl api_;
  std::map<std::string, std::unique_ptr<httplib::Client>> clients_;
};

// Percent-encodes a query parameter value (RFC 3986 unreserved characters stay as they are).
std::string url_encode(const std::string& value);

}  // namespace vt132::host
