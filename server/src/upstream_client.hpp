#pragma once
// The mirror's HTTP client for an upstream GitHub-style API (api.github.com, or another
// vt132-ota-server): conditional JSON reads with a size cap, and asset downloads that
// resume with Range and follow redirects to another host (GitHub sends asset bytes from a
// CDN host). Every answer's Retry-After / X-RateLimit-* is remembered (not_before()).
// TLS is verified against --upstream-cacert or the system store (OpenSSL's default paths,
// which honour SSL_CERT_FILE). One thread uses an instance.
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace httplib {
class Client;
}

namespace vt132::server {

class Upload;

struct UpstreamOptions {
  std::string api_url;  // e.g. https://api.github.com, https://host:8443/api/v3
  std::string token;    // sent to the API's own host only, never to a redirect's
  std::string ca_file;  // PEM bundle; empty: the system's
  size_t max_json_bytes = 1u << 20;
  std::string user_agent = "vt132-ota-server-mirror";
};

// The upstream could not be asked or answered with something else than expected. `status`
// is the HTTP status (0: no answer at all).
class UpstreamError : public std::runtime_error {
 public:
  UpstreamError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

struct JsonAnswer {
  bool not_modified = false;  // 304: the ETag still holds, `body` is null
  nlohmann::json body;
  std::string etag;
};

class UpstreamClient {
 public:
  // host::Error for an api_url that is not http(s)://HOST[:PORT][/PATH], an unreadable
  // ca_file, or plain HTTP to another machine with a token.
  explicit UpstreamClient(UpstreamOptions options);
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  // GET api_url + path; with `etag`, If-None-Match. UpstreamError for a transport error, a
  // status other than 200/304, a body over max_json_bytes or one that is not JSON.
  JsonAnswer get_json(const std::string& path, const std::string& etag);

  // Appends the bytes of `url` (absolute; up to 5 redirects, to other hosts too) to `sink`
  // from sink.size() on, asking with Range when that is not 0 (a server that ignores it
  // makes the sink start over). UpstreamError when the transfer fails or would exceed
  // `max_size` bytes in all; what arrived stays in the sink for the next attempt.
  void download(const std::string& url, Upload& sink, uint64_t max_size);

  // Unix seconds before which the upstream asked not to be asked again (0: no such wish).
  int64_t not_before() const { return not_before_; }
  uint64_t requests_sent() const { return requests_sent_; }
  // From any thread: makes a transfer in progress end (UpstreamError) at its next bytes.
  void cancel() { cancelled_.store(true); }

 private:
  httplib::Client& client_for(const std::string& origin);
  void note_limits(const std::string& retry_after, const std::string& remaining, const std::string& reset);

  UpstreamOptions options_;
  std::string api_origin_;
  std::string api_base_path_;
  std::map<std::string, std::unique_ptr<httplib::Client>> clients_;
  int64_t not_before_ = 0;
  uint64_t requests_sent_ = 0;
  std::atomic<bool> cancelled_{false};
};

}  // namespace vt132::server
