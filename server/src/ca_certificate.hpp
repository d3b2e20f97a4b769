#pragma once
// The CA certificate a device or browser trusts this server by, as /ca.pem and the pages
// offer it: the PEM text and the SHA-256 pin of its public key (host::ca_pin_sha256, the
// one computation of the pin; the start-up log prints the same value).
#include <filesystem>
#include <optional>
#include <string>

namespace vt132::server {

// A CA file is one short PEM certificate; anything larger is not ours.
constexpr size_t kMaxCaFileBytes = 64 * 1024;

struct CaCertificate {
  std::filesystem::path file;
  std::string pem;
  std::string pin_sha256;  // lower-case hex
};

// The CA the server generated (TlsFiles::ca), loaded once at start. An empty `file` (the
// operator gave --tls-cert/--tls-key: there is no CA of ours) gives nullopt. host::Error
// when the file cannot be read, is too large or is not a certificate: the start stops then,
// as the pin it prints would be wrong.
std::optional<CaCertificate> load_ca_certificate(const std::filesystem::path& file);

}  // namespace vt132::server
