#pragma once
// A local CA and a server certificate for an update server on the LAN. The device trusts
// the CA by pinning the SHA-256 of its public key (ca_pin_sha256), so no public CA is
// involved. All keys are ECDSA P-256 (what mbedTLS on the ESP32 handles well).
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "vt132/host/error.hpp"

namespace vt132::host {

struct CertOptions {
  // Host names and IP addresses the server is reached by. Each name that parses as an
  // IPv4/IPv6 address becomes an IP subjectAltName, anything else a DNS one (letters,
  // digits, hyphens, dots; "*" only as the whole leftmost label). The first name is also
  // the subject common name. At least one is required.
  std::vector<std::string> names;
  int days = 825;      // validity of the server certificate, 1..3650
  // The CA outlives its server certificates: devices pin it, so replacing it means touching
  // every device. At least `days`.
  int ca_days = 3650;
  std::string ca_common_name = "VT132 local update CA";
};

// The fixed file names inside the output directory.
struct CertPaths {
  std::filesystem::path ca_cert;      // DIR/ca.pem      0644
  std::filesystem::path ca_key;       // DIR/ca.key      0600
  std::filesystem::path server_cert;  // DIR/server.pem  0644
  std::filesystem::path server_key;   // DIR/server.key  0600
};
CertPaths cert_paths_in(const std::filesystem::path& dir);

// Creates DIR if missing, then a new CA (self-signed, CA:TRUE pathlen:0) and a server
// certificate it signs for `options.names`. Refuses (Error) when DIR holds any of the four
// files, so a CA is never overwritten. All four files appear or none do. Throws Error
// naming the bad value for an invalid name or day count, before anything is written.
CertPaths create_local_ca_and_server_cert(const std::filesystem::path& dir, const CertOptions& options);

struct RenewedCert {
  CertPaths paths;
  std::vector<std::string> names;  // of the new certificate
  std::string expiry;              // "YYYY-MM-DD HH:MM:SS UTC"
  std::string old_expiry;          // of the certificate it replaced; empty when there was none
};

// A new server key and certificate signed by the CA already in DIR, for `options.names`
// or, when that is empty, the names of the current DIR/server.pem. server.key and
// server.pem are each replaced atomically; ca.pem and ca.key are only read, so the pin
// devices hold stays valid. Error, before anything is written, when the CA files are missing
// or do not belong together, or the CA would expire before the new certificate.
RenewedCert renew_server_cert(const std::filesystem::path& dir, const CertOptions& options);

// Lower-case hex SHA-256 over the certificate's DER SubjectPublicKeyInfo: the pin a
// device compiles in. Equals
//   openssl x509 -in ca.pem -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256
std::string ca_pin_sha256(const std::filesystem::path& ca_cert);

// The subjectAltNames of a PEM certificate, DNS names as written and IP addresses in
// their usual text form, in certificate order.
std::vector<std::string> certificate_names(const std::filesystem::path& cert);

// True when now is within the certificate's validity and it stays valid for at least
// `margin` more (e.g. 30 days: renew before it runs out).
bool certificate_valid_now(const std::filesystem::path& cert,
                           std::chrono::seconds margin = std::chrono::seconds(0));

}  // namespace vt132::host
