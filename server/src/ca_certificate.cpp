#include "ca_certificate.hpp"

#include "vt132/host/certs.hpp"
#include "vt132/host/file_io.hpp"

namespace vt132::server {

std::optional<CaCertificate> load_ca_certificate(const std::filesystem::path& file) {
  if (file.empty()) return std::nullopt;
  const std::vector<uint8_t> bytes = host::read_file(file, kMaxCaFileBytes);
  CaCertificate ca;
  ca.file = file;
  ca.pem.assign(bytes.begin(), bytes.end());
  ca.pin_sha256 = host::ca_pin_sha256(file);  // also proves the file holds a certificate
  return ca;
}

}  // namespace vt132::server
