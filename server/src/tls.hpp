#pragma once
// TLS for the HTTPS listener: the certificate (generated on first start unless given), and
// the SSL_CTX settings: TLS 1.2 and 1.3 only, Mozilla's "intermediate" ciphers in the
// server's order.
#include <openssl/ssl.h>

#include <filesystem>
#include <string>
#include <vector>

#include "config.hpp"

namespace vt132::server {

struct TlsFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
  std::filesystem::path ca;  // set when the server made its own CA (DATA/tls/ca.pem)
  bool created_now = false;
};

// --tls-cert/--tls-key when given; otherwise DATA/tls, creating a local CA and a P-256 server
// certificate there on first start for `names` (host name, addresses, localhost).
TlsFiles ensure_tls_files(const ServerConfig& config, const std::vector<std::string>& names);

// Names a generated certificate should cover: localhost, loopback, this host's name and its
// addresses, the listen address when specific, and --tls-name values.
std::vector<std::string> certificate_names(const ServerConfig& config, const HostPort& listen);

// The address a device on the LAN most likely reaches us by (for the printed AT command).
std::string lan_host(const HostPort& listen);

// Applies our protocol/cipher policy, counts each connection's received bytes
// (connection_budget.hpp) and loads the certificate chain and key. Logs and returns false on
// failure.
bool configure_tls(SSL_CTX& ctx, const TlsFiles& files);

}  // namespace vt132::server
