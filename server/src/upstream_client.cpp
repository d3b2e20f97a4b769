#include "upstream_client.hpp"

#include <httplib.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "upload_file.hpp"
#include "upstream_limits.hpp"
#include "utc_time.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/github_client.hpp"
#include "vt132/host/hex.hpp"

namespace vt132::server {

namespace {

constexpr time_t kConnectTimeoutSeconds = 10;
constexpr time_t kIoTimeoutSeconds = 60;
constexpr int kMaxRedirects = 5;
// What we read of an answer we do not keep (an error's or a redirect's body).
constexpr size_t kMaxIgnoredBody = 64 * 1024;

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Url {
  std::string origin;  // scheme://host[:port]
  std::string target;  // path and query, at least "/"
};

// An absolute http(s) URL, or one relative to `base` (a redirect's Location may be "/x").
Url split_url(const std::string& url, const std::string& base_origin) {
  if (!url.empty() && url.front() == '/') return Url{base_origin, url};
  const size_t scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "https" && scheme != "http") {
    throw UpstreamError(0, "\"" + host::printable(url.substr(0, 200)) + "\" is not an http(s) URL");
  }
  const size_t path_start = url.find('/', scheme_end + 3);
  Url out{url.substr(0, path_start), path_start == std::string::npos ? "/" : url.substr(path_start)};
  if (out.origin.size() == scheme_end + 3) throw UpstreamError(0, "\"" + host::printable(url) + "\" has no host");
  return out;
}

bool is_loopback_origin(const std::string& origin) {
  const std::string host = origin.substr(origin.find("://") + 3);
  return host.rfind("localhost", 0) == 0 || host.rfind("127.", 0) == 0 || host.rfind("[::1]", 0) == 0;
}

std::string transport_failure(const std::string& where, httplib::Error err, bool has_ca_file) {
  std::string why = httplib::to_string(err);
  if (err == httplib::Error::SSLServerVerification) {
    why = has_ca_file ? "its certificate is not signed by the --upstream-cacert CA, or is for another host name"
                      : "its certificate is not trusted by the system store (SSL_CERT_FILE, or pass --upstream-cacert)";
  } else if (err == httplib::Error::Connection) {
    why = "cannot connect";
  } else if (err == httplib::Error::Canceled) {
    why = "transfer stopped";
  }
  return "GET " + where + ": " + why;
}

// GitHub explains a refusal in {"message": ...}.
std::string refusal(const std::string& where, int status, const std::string& body) {
  const auto j = nlohmann::json::parse(body, nullptr, false);
  std::string detail;
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    detail = ": " + host::printable(j["message"].get<std::string>().substr(0, 200));
  }
  return "GET " + where + ": HTTP " + std::to_string(status) + detail;
}

bool is_redirect(int status) { return status == 301 || status == 302 || status == 303 || status == 307 || status == 308; }

// "bytes START-END/TOTAL": START, or nullopt.
std::optional<int64_t> content_range_start(const std::string& value) {
  if (value.rfind("bytes ", 0) != 0) return std::nullopt;
  const size_t dash = value.find('-');
  if (dash == std::string::npos) return std::nullopt;
  return parse_header_integer(std::string_view(value).substr(6, dash - 6));
}

}  // namespace

UpstreamClient::UpstreamClient(UpstreamOptions options) : options_(std::move(options)) {
  const host::ApiUrl api = host::parse_api_url(options_.api_url);
  api_origin_ = api.origin;
  api_base_path_ = api.base_path;
  if (api_origin_.rfind("http://", 0) == 0 && !options_.token.empty() && !is_loopback_origin(api_origin_)) {
    throw host::Error("--upstream " + api_origin_ + " is plain HTTP: the token would travel unencrypted; use https://");
  }
  if (!options_.ca_file.empty() && ::access(options_.ca_file.c_str(), R_OK) != 0) {
    throw host::Error("cannot read --upstream-cacert " + options_.ca_file + ": " + std::strerror(errno));
  }
}

UpstreamClient::~UpstreamClient() = default;

httplib::Client& UpstreamClient::client_for(const std::string& origin) {
  auto& slot = clients_[origin];
  if (!slot) {
    slot = std::make_unique<httplib::Client>(origin);
    if (!slot->is_valid()) throw UpstreamError(0, "cannot use " + host::printable(origin) + ": unsupported URL");
    slot->enable_server_certificate_verification(true);
    if (!options_.ca_file.empty()) slot->set_ca_cert_path(options_.ca_file);
    slot->set_connection_timeout(kConnectTimeoutSeconds, 0);
    slot->set_read_timeout(kIoTimeoutSeconds, 0);
    slot->set_write_timeout(kIoTimeoutSeconds, 0);
    slot->set_keep_alive(true);
    // Redirects are ours to follow: the library's would carry the token to the next host.
    slot->set_follow_location(false);
  }
  return *slot;
}

void UpstreamClient::note_limits(const std::string& retry_after, const std::string& remaining,
                                 const std::string& reset) {
  not_before_ = server::not_before(RateHeaders{retry_after, remaining, reset}, now_seconds());
}

JsonAnswer UpstreamClient::get_json(const std::string& path, const std::string& etag) {
  const std::string target = api_base_path_ + path;
  const std::string where = api_origin_ + target;
  httplib::Headers headers{{"Accept", "application/vnd.github+json"},
                           {"X-GitHub-Api-Version", "2022-11-28"},
                           {"User-Agent", options_.user_agent}};
  if (!etag.empty()) headers.emplace("If-None-Match", etag);
  if (!options_.token.empty()) headers.emplace("Authorization", "Bearer " + options_.token);
  std::string body;
  bool too_big = false;
  ++requests_sent_;
  const httplib::Result res = client_for(api_origin_).Get(
      target, headers, [](const httplib::Response&) { return true; },
      [&](const char* data, size_t len) {
        if (cancelled_.load() || body.size() + len > options_.max_json_bytes) {
          too_big = !cancelled_.load();
          return false;
        }
        body.append(data, len);
        return true;
      });
  if (too_big) {
    throw UpstreamError(0, "GET " + where + ": answer larger than " + std::to_string(options_.max_json_bytes) + " bytes");
  }
  if (!res) throw UpstreamError(0, transport_failure(where, res.error(), !options_.ca_file.empty()));
  note_limits(res->get_header_value("Retry-After"), res->get_header_value("X-RateLimit-Remaining"),
              res->get_header_value("X-RateLimit-Reset"));
  JsonAnswer answer;
  answer.etag = res->get_header_value("ETag").substr(0, 256);
  if (res->status == 304) {
    answer.not_modified = true;
    return answer;
  }
  if (res->status != 200) throw UpstreamError(res->status, refusal(where, res->status, body));
  answer.body = nlohmann::json::parse(body, nullptr, false);
  if (answer.body.is_discarded()) throw UpstreamError(200, "GET " + where + ": the answer is not JSON");
  return answer;
}

void UpstreamClient::download(const std::string& url, Upload& sink, uint64_t max_size) {
  Url at = split_url(url, api_origin_);
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    if (at.origin.rfind("http://", 0) == 0 && api_origin_.rfind("https://", 0) == 0) {
      throw UpstreamError(0, "refusing to download from " + host::printable(at.origin) + ": plain HTTP");
    }
    const std::string where = at.origin + at.target.substr(0, at.target.find('?'));
    const uint64_t offset = sink.size();
    httplib::Headers headers{{"Accept", "application/octet-stream"}, {"User-Agent", options_.user_agent}};
    if (offset > 0) headers.emplace("Range", "bytes=" + std::to_string(offset) + "-");
    if (!options_.token.empty() && at.origin == api_origin_) headers.emplace("Authorization", "Bearer " + options_.token);
    int status = 0;
    std::string location;
    std::string problem;
    std::string other_body;  // of an answer that is not the bytes: for its message only
    ++requests_sent_;
    const httplib::Result res = client_for(at.origin).Get(
        at.target, headers,
        [&](const httplib::Response& r) {
          status = r.status;
          location = r.get_header_value("Location");
          note_limits(r.get_header_value("Retry-After"), r.get_header_value("X-RateLimit-Remaining"),
                      r.get_header_value("X-RateLimit-Reset"));
          if (status == 200 && offset > 0) sink.restart();  // the server ignored Range: start over
          if (status == 206 && content_range_start(r.get_header_value("Content-Range")) != static_cast<int64_t>(offset)) {
            problem = "answered Range bytes=" + std::to_string(offset) + "- with another range";
            return false;
          }
          return true;
        },
        [&](const char* data, size_t len) {
          if (cancelled_.load()) return false;
          if (status != 200 && status != 206) {
            if (other_body.size() + len > kMaxIgnoredBody) return false;
            other_body.append(data, len);
            return true;
          }
          if (sink.size() + len > max_size) {
            problem = "larger than " + std::to_string(max_size) + " bytes";
            return false;
          }
          if (!sink.write(data, len)) {
            problem = "cannot write the download to the store (see the error above)";
            return false;
          }
          return true;
        });
    if (!problem.empty()) throw UpstreamError(status, "GET " + where + ": " + problem);
    if (!res) throw UpstreamError(status, transport_failure(where, res.error(), !options_.ca_file.empty()));
    if (status == 200 || status == 206) return;
    if (is_redirect(status) && !location.empty()) {
      at = split_url(location, at.origin);
      continue;
    }
    if (status == 416 && offset > 0) {
      sink.restart();  // what we kept is not a prefix the server knows: fetch it whole
      continue;
    }
    throw UpstreamError(status, refusal(where, status, other_body));
  }
  throw UpstreamError(0, "GET " + host::printable(url.substr(0, 200)) + ": more than " +
                             std::to_string(kMaxRedirects) + " redirects");
}

}  // namespace vt132::server
