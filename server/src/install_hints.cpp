#include "install_hints.hpp"

#include "names.hpp"
#include "tls.hpp"
#include "vt132/host/certs.hpp"

namespace vt132::server {
namespace fs = std::filesystem;

namespace {

// The plain-HTTP port suggested when it is off: what docs/local-server.md uses.
constexpr const char* kSuggestedHttpListen = "0.0.0.0:8080";

std::string base_url(const char* scheme, const HostPort& at) {
  return std::string(scheme) + "://" + lan_host(at) + ":" + std::to_string(at.port);
}

std::string ca_line(const InstallTarget& t) {
  if (!t.tls_cert.empty()) {
    return "  (HTTPS: for firmware that trusts the issuer of " + t.tls_cert.string() + ")";
  }
  return "  (HTTPS: for firmware that trusts this CA: built with VT132_LAN_CA_FILE=" + t.ca.string() +
         ", or its pin)";
}

std::string http_line(const InstallTarget& t, const std::string& repo) {
  const std::string prefix = "stock firmware, plain HTTP: ";
  if (t.root_repo.empty()) {
    return prefix + "start the server with --repo " + (repo.empty() ? "OWNER/NAME" : repo) +
           " (and --http-listen " + kSuggestedHttpListen + "): its latest release is served at /VT132.bin";
  }
  if (!repo.empty() && !iequals(repo, t.root_repo)) {
    return prefix + "/VT132.bin serves " + t.root_repo + " (--repo), not " + repo;
  }
  if (t.http_base.empty()) {
    return prefix + "off; start the server with --http-listen " + t.http_example + " (http-listen = \"" +
           t.http_example + "\" in its --config file), then AT+U=http://HOST:PORT/VT132.bin";
  }
  return prefix + "AT+U=" + t.http_base + "/VT132.bin";
}

}  // namespace

InstallTarget install_target(const ServerConfig& config) {
  InstallTarget t;
  t.https_base = base_url("https", parse_host_port(config.listen, "--listen"));
  t.http_example = kSuggestedHttpListen;
  if (!config.http_listen.empty()) t.http_base = base_url("http", parse_host_port(config.http_listen, "--http-listen"));
  t.root_repo = config.repo;
  if (!config.tls_cert.empty()) {
    t.tls_cert = config.tls_cert;
    return t;
  }
  t.ca = host::cert_paths_in(config.data_dir / "tls").ca_cert;
  std::error_code ec;
  if (fs::exists(t.ca, ec)) t.ca_pin = host::ca_pin_sha256(t.ca);
  return t;
}

std::vector<std::string> install_lines(const InstallTarget& t, const std::string& repo_asked) {
  const std::string repo = repo_asked.empty() ? t.root_repo : repo_asked;
  std::vector<std::string> lines;
  if (!t.ca.empty()) {
    lines.push_back("CA certificate to trust: " + t.ca.string());
    lines.push_back(t.ca_pin.empty() ? "CA public key SHA-256 pin: printed once the server has started and made it"
                                     : "CA public key SHA-256 pin: " + t.ca_pin);
  }
  lines.push_back("on a VT132, type: AT+U=" + t.https_base + "/repos/" + (repo.empty() ? "OWNER/NAME" : repo) +
                  "/releases/latest");
  lines.push_back(ca_line(t));
  lines.push_back(http_line(t, repo));
  lines.push_back("then AT+U? shows the version found and AT+U^ installs it; AT&W keeps the URL across a power cycle");
  return lines;
}

}  // namespace vt132::server
