#include "tls.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "connection_budget.hpp"
#include "vt132/host/certs.hpp"
#include "vt132/host/error.hpp"

namespace vt132::server {
namespace fs = std::filesystem;

namespace {

// Mozilla "intermediate" (server side TLS guidelines v5.7), in its order: ECDHE with AES-GCM
// or ChaCha20 for TLS 1.2 (the ESP32's ECDHE-ECDSA-AES128-GCM-SHA256 first), and the TLS 1.3
// suites. The server's order decides (SSL_OP_CIPHER_SERVER_PREFERENCE), not the client's.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* kGroups = "X25519:P-256:P-384";

std::vector<std::string> interface_addresses(bool include_loopback) {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || !(i->ifa_flags & IFF_UP)) continue;
    if (!include_loopback && (i->ifa_flags & IFF_LOOPBACK)) continue;
    char buf[INET6_ADDRSTRLEN] = {};
    if (i->ifa_addr->sa_family == AF_INET) {
      ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, buf, sizeof buf);
    } else if (i->ifa_addr->sa_family == AF_INET6) {
      const auto* a6 = reinterpret_cast<sockaddr_in6*>(i->ifa_addr);
      if (IN6_IS_ADDR_LINKLOCAL(&a6->sin6_addr)) continue;  // needs a zone; useless in a URL
      ::inet_ntop(AF_INET6, &a6->sin6_addr, buf, sizeof buf);
    } else {
      continue;
    }
    out.emplace_back(buf);
  }
  ::freeifaddrs(list);
  return out;
}

bool unspecified(const std::string& host) { return host.empty() || host == "0.0.0.0" || host == "::"; }

}  // namespace

std::vector<std::string> certificate_names(const ServerConfig& config, const HostPort& listen) {
  std::vector<std::string> names;
  auto add = [&](const std::string& n) {
    if (!n.empty() && std::find(names.begin(), names.end(), n) == names.end()) names.push_back(n);
  };
  for (const std::string& n : config.tls_names) add(n);
  if (!unspecified(listen.host)) add(listen.host);
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) == 0) {
    std::string h = host;
    const bool dns_ok = !h.empty() && std::all_of(h.begin(), h.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    });
    if (dns_ok) add(h);
  }
  add("localhost");
  add("127.0.0.1");
  add("::1");
  for (const std::string& a : interface_addresses(false)) add(a);
  return names;
}

std::string lan_host(const HostPort& listen) {
  if (!unspecified(listen.host)) return listen.host.find(':') != std::string::npos ? "[" + listen.host + "]" : listen.host;
  for (const std::string& a : interface_addresses(false)) {
    if (a.find(':') == std::string::npos) return a;  // IPv4 first: what a VT132 user types
  }
  return "localhost";
}

TlsFiles ensure_tls_files(const ServerConfig& config, const std::vector<std::string>& names) {
  TlsFiles files;
  if (!config.tls_cert.empty() || !config.tls_key.empty()) {
    if (config.tls_cert.empty() || config.tls_key.empty()) {
      throw host::Error("--tls-cert and --tls-key go together: give both or neither");
    }
    files.cert = config.tls_cert;
    files.key = config.tls_key;
    return files;
  }
  const fs::path dir = config.data_dir / "tls";
  const host::CertPaths paths = host::cert_paths_in(dir);
  std::error_code ec;
  if (!fs::exists(paths.server_cert, ec)) {
    host::CertOptions options;
    options.names = names;
    host::create_local_ca_and_server_cert(dir, options);
    files.created_now = true;
  }
  files.cert = paths.server_cert;
  files.key = paths.server_key;
  files.ca = paths.ca_cert;
  return files;
}

bool configure_tls(SSL_CTX& ctx, const TlsFiles& files) {
  SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_SSLv2 | SSL_OP_NO_SSLv3 |
                                SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1 | SSL_OP_CIPHER_SERVER_PREFERENCE);
  // The DHE suites of the list need parameters; OpenSSL picks ffdhe groups matching the key.
  SSL_CTX_set_dh_auto(&ctx, 1);
  watch_tls_connections(ctx);
  const bool ok = SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION) == 1 &&
                  SSL_CTX_set_max_proto_version(&ctx, TLS1_3_VERSION) == 1 &&
                  SSL_CTX_set_cipher_list(&ctx, kTls12Ciphers) == 1 &&
                  SSL_CTX_set_ciphersuites(&ctx, kTls13Suites) == 1 && SSL_CTX_set1_groups_list(&ctx, kGroups) == 1;
  if (!ok) {
    spdlog::error("cannot apply the TLS policy");
    return false;
  }
  if (SSL_CTX_use_certificate_chain_file(&ctx, files.cert.c_str()) != 1) {
    spdlog::error("cannot load the TLS certificate {}", files.cert.string());
    return false;
  }
  if (SSL_CTX_use_PrivateKey_file(&ctx, files.key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(&ctx) != 1) {
    spdlog::error("cannot load the TLS key {} (or it does not match the certificate)", files.key.string());
    return false;
  }
  return true;
}

}  // namespace vt132::server
