#pragma once
// What to type on a VT132 to install what this server serves: the AT+U= line over HTTPS
// (with the CA the device must trust) and the plain-HTTP /VT132.bin line stock firmware can
// use (or how to turn plain HTTP on). The server prints these lines at start, and
// `vt132-ota-server add` after publishing; both build them here, so they never disagree.
#include <filesystem>
#include <string>
#include <vector>

#include "config.hpp"

namespace vt132::server {

// Where a device on the LAN reaches this server, from its settings and its TLS files.
struct InstallTarget {
  std::string https_base;          // "https://HOST:PORT"
  std::string http_base;           // "http://HOST:PORT"; empty while plain HTTP is off
  std::string http_example;        // the --http-listen value to suggest when it is off
  std::string root_repo;           // --repo: whose latest release /VT132.bin serves; may be empty
  std::filesystem::path ca;        // the server's own CA (DATA/tls/ca.pem); empty with --tls-cert
  std::string ca_pin;              // its public-key SHA-256; empty until the CA exists
  std::filesystem::path tls_cert;  // --tls-cert, when the operator brought the certificate
};

// From `config` and what is on disk now (the CA appears at the server's first start).
// host::Error for a --listen or --http-listen value that is not ADDRESS:PORT.
InstallTarget install_target(const ServerConfig& config);

// The lines, in the order to read them, for a device that should follow `repo`'s latest
// release (empty: the server's --repo).
std::vector<std::string> install_lines(const InstallTarget& target, const std::string& repo = "");

}  // namespace vt132::server
