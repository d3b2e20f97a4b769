#include "vt132/host/github_client.hpp"

#include <httplib.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "vt132/host/hex.hpp"

namespace vt132::host {

namespace {

constexpr time_t kConnectTimeoutSeconds = 10;
constexpr time_t kIoTimeoutSeconds = 120;

// GitHub explains failures in {"message": ..., "errors": [{"code": ...}]}; keep both.
std::string describe_failure(const std::string& method, const std::string& path, int status,
                             const std::string& body) {
  std::string detail;
  const auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("message") && j["message"].is_string()) {
    detail = j["message"].get<std::string>();
    if (j.contains("errors") && j["errors"].is_array()) {
      for (const auto& e : j["errors"]) {
        if (e.is_object() && e.contains("code") && e["code"].is_string()) detail += " (" + e["code"].get<std::string>() + ")";
      }
    }
  } else {
    detail = printable(body.substr(0, 200));
  }
  std::string hint;
  if (status == 401) hint = "; check the token";
  if (status == 403) hint = "; the token may lack permission to write releases";
  return method + " " + path + ": HTTP " + std::to_string(status) + ": " + detail + hint;
}

}  // namespace

namespace {

std::string host_of(const std::string& origin) {
  std::string host = origin.substr(origin.find("://") + 3);
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

}  // namespace

ApiUrl parse_api_url(const std::string& url) {
  const size_t scheme_end = url.find("://");
  const std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if (scheme != "https" && scheme != "http") {
    throw Error("API URL \"" + printable(url) + "\" must start with https:// (or http://)");
  }
  if (url.find_first_of("?#") != std::string::npos) {
    throw Error("API URL \"" + printable(url) + "\" must not have a query or fragment");
  }
  const size_t host_start = scheme_end + 3;
  const size_t path_start = url.find('/', host_start);
  ApiUrl out;
  out.origin = url.substr(0, path_start);
  if (out.origin.size() == host_start) throw Error("API URL \"" + printable(url) + "\" has no host");
  if (path_start != std::string::npos) out.base_path = url.substr(path_start);
  while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
  return out;
}

std::string url_encode(const std::string& value) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : value) {
    const auto b = static_cast<unsigned char>(c);
    if (std::isalnum(b) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out += '%';
      out.push_back(kDigits[b >> 4]);
      out.push_back(kDigits[b & 0x0F]);
    }
  }
  return out;
}

GitHubClient::GitHubClient(GitHubClientOptions options)
    : options_(std::move(options)), api_(parse_api_url(options_.api_url)) {
  // A token must not cross the network in clear text; plain HTTP only to this machine.
  if (api_.origin.rfind("http://", 0) == 0 && !is_loopback(host_of(api_.origin))) {
    throw Error("API URL " + api_.origin + " is plain HTTP: the token would travel unencrypted; use https://");
  }
  if (!options_.ca_file.empty() && ::access(options_.ca_file.c_str(), R_OK) != 0) {
    throw Error("cannot read the CA certificate " + options_.ca_file + ": " + std::strerror(errno));
  }
}

// The token goes to the API's own host and to the upload host GitHub pairs with it, never to
// another host a server's answer names, and never downgraded to plain HTTP.
bool GitHubClient::may_send_token(const std::string& origin) const {
  if (origin == api_.origin) return true;
  const bool https = origin.rfind("https://", 0) == 0;
  const std::string host = host_of(origin);
  if (host_of(api_.origin) == "api.github.com") return https && host == "uploads.github.com";
  return https && host == host_of(api_.origin);
}

GitHubClient::~GitHubClient() = default;

httplib::Client& GitHubClient::client_for(const std::string& origin, bool binary) {
  auto& slot = clients_[binary ? origin + " binary" : origin];
  if (!slot) {
    slot = std::make_unique<httplib::Client>(origin);
    if (!slot->is_valid()) throw Error("cannot use " + origin + ": unsupported URL");
    slot->enable_server_certificate_verification(true);
    if (!options_.ca_file.empty()) slot->set_ca_cert_path(options_.ca_file);
    slot->set_connection_timeout(kConnectTimeoutSeconds, 0);
    slot->set_read_timeout(kIoTimeoutSeconds, 0);
    slot->set_write_timeout(kIoTimeoutSeconds, 0);
    slot->set_keep_alive(true);
    slot->set_default_headers({{"Accept", binary ? "application/octet-stream" : "application/vnd.github+json"},
                               {"X-GitHub-Api-Version", "2022-11-28"},
                               {"User-Agent", options_.user_agent}});
    if (!options_.token.empty() && may_send_token(origin)) slot->set_bearer_token_auth(options_.token);
  }
  return *slot;
}

namespace {

void check_transport(const httplib::Result& result, const std::string& method, const std::string& where,
                     bool has_ca_file) {
  if (result) return;
  const httplib::Error err = result.error();
  std::string why = httplib::to_string(err);
  if (err == httplib::Error::SSLServerVerification) {
    why = has_ca_file ? "the server's certificate is not signed by the --cacert CA, or is for another host name"
                      : "the server's certificate is not trusted (for a local server, pass its CA with --cacert)";
  } else if (err == httplib::Error::Connection) {
    why = "cannot connect (is the server running, and the host and port right?)";
  } else if (err == httplib::Error::SSLConnection) {
    why = "the TLS handshake failed";
  }
  throw Error(method + " " + where + ": " + why);
}

nlohmann::json parse_body(const std::string& method, const std::string& path, const std::string& body) {
  if (body.empty()) return nullptr;
  auto j = nlohmann::json::parse(body, nullptr, false);
  if (j.is_discarded()) throw Error(method + " " + path + ": the server's answer is not JSON");
  return j;
}

}  // namespace

nlohmann::json GitHubClient::request(const std::string& method, const std::string& path,
                                     const nlohmann::json* body, bool allow_404) {
  httplib::Client& cli = client_for(api_.origin);
  const std::string full = api_.base_path + path;
  const std::string payload = body ? body->dump() : "";
  httplib::Result res{nullptr, httplib::Error::Unknown};
  if (method == "GET") {
    res = cli.Get(full);
  } else if (method == "POST") {
    res = cli.Post(full, payload, "application/json");
  } else if (method == "PATCH") {
    res = cli.Patch(full, payload, "application/json");
  } else {
    res = cli.Delete(full);
  }
  check_transport(res, method, api_.origin + full, !options_.ca_file.empty());
  if (allow_404 && res->status == 404) return nullptr;
  if (res->status < 200 || res->status > 299) {
    throw ApiError(res->status, describe_failure(method, full, res->status, res->body));
  }
  return parse_body(method, full, res->body);
}

nlohmann::json GitHubClient::get(const std::string& path) { return request("GET", path, nullptr, false); }
nlohmann::json GitHubClient::get_optional(const std::string& path) { return request("GET", path, nullptr, true); }
nlohmann::json GitHubClient::post(const std::string& path, const nlohmann::json& body) {
  return request("POST", path, &body, false);
}
nlohmann::json GitHubClient::patch(const std::string& path, const nlohmann::json& body) {
  return request("PATCH", path, &body, false);
}
void GitHubClient::del(const std::string& path) { request("DELETE", path, nullptr, false); }

nlohmann::json GitHubClient::upload(const std::string& upload_url_template, const std::string& name,
                                    const std::string& content_type, const std::string& bytes,
                                    const Progress& progress) {
  const std::string url = upload_url_template.substr(0, upload_url_template.find('{'));
  const ApiUrl target = parse_api_url(url);
  httplib::Client& cli = client_for(target.origin);
  const std::string path = target.base_path + "?name=" + url_encode(name);
  const uint64_t total = bytes.size();
  // A sized content provider: the body goes out with Content-Length, in chunks we can count.
  auto provider = [&](size_t offset, size_t length, httplib::DataSink& sink) {
    const size_t n = std::min<size_t>(length, 64 * 1024);
    if (!sink.write(bytes.data() + offset, n)) return false;
    if (progress) progress(offset + n, total);
    return true;
  };
  auto res = cli.Post(path, bytes.size(), provider, content_type);
  check_transport(res, "POST", target.origin + path, !options_.ca_file.empty());
  if (res->status != 201 && res->status != 200) {
    throw ApiError(res->status, describe_failure("POST", path, res->status, res->body));
  }
  return parse_body("POST", path, res->body);
}

std::string GitHubClient::download(const std::string& asset_api_url, size_t max_bytes) {
  constexpr int kMaxRedirects = 3;
  std::string url = asset_api_url;
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    // A storage host's redirect carries its signature in the query; the origin is checked
    // as any API URL's.
    const size_t query = std::min(url.find('?'), url.size());
    const ApiUrl target = parse_api_url(url.substr(0, query));
    httplib::Client& cli = client_for(target.origin, true);
    const std::string path = (target.base_path.empty() ? "/" : target.base_path) + url.substr(query);
    std::string body;
    bool too_big = false;
    auto res = cli.Get(path, [&](const char* data, size_t len) {
      if (body.size() + len > max_bytes) {
        too_big = true;
        return false;
      }
      body.append(data, len);
      return true;
    });
    if (too_big) throw Error("GET " + url + ": larger than " + std::to_string(max_bytes) + " bytes");
    check_transport(res, "GET", url, !options_.ca_file.empty());
    if (res->status == 301 || res->status == 302 || res->status == 307 || res->status == 308) {
      url = res->get_header_value("Location");
      if (url.empty()) throw Error("GET " + target.origin + path + ": a redirect without a Location");
      continue;
    }
    if (res->status != 200) throw ApiError(res->status, describe_failure("GET", path, res->status, body));
    return body;
  }
  throw Error("GET " + asset_api_url + ": more than " + std::to_string(kMaxRedirects) + " redirects");
}

}  // namespace vt132::host
