#include <cstdio>

#include "vt132/core/ota/ota_client.hpp"

namespace vt132::core {

void describe(const OtaResult& result, char* out, size_t cap) {
  const char* text = "UNKNOWN";
  switch (result.error) {
    case OtaError::Ok: text = "OK"; break;
    case OtaError::BadUrl: text = "BAD URL"; break;
    case OtaError::Insecure: text = "HTTPS REQUIRED"; break;
    case OtaError::Network: text = "NETWORK"; break;
    case OtaError::Tls: text = "TLS"; break;
    case OtaError::Timeout: text = "TIMEOUT"; break;
    case OtaError::Http: std::snprintf(out, cap, "HTTP %d", result.http_status); return;
    case OtaError::BadResponse: text = "BAD RESPONSE"; break;
    case OtaError::NoRelease: text = "NO RELEASE"; break;
    case OtaError::NoMemory: text = "NO MEMORY"; break;
    case OtaError::Signature: text = "SIGNATURE"; break;
    case OtaError::BadManifest: text = "BAD MANIFEST"; break;
    case OtaError::WrongProject: text = "WRONG PROJECT"; break;
    case OtaError::WrongChip: text = "WRONG CHIP"; break;
    case OtaError::Expired: text = "EXPIRED"; break;
    case OtaError::OlderThanAllowed: text = "OLDER THAN ALLOWED"; break;
    case OtaError::TooLarge: text = "TOO LARGE"; break;
    case OtaError::Truncated: text = "TRUNCATED"; break;
    case OtaError::BadImage: text = "BAD IMAGE"; break;
    case OtaError::ChecksumMismatch: text = "CHECKSUM MISMATCH"; break;
    case OtaError::Sha256Mismatch: text = "SHA-256 MISMATCH"; break;
    case OtaError::VersionMismatch: text = "VERSION MISMATCH"; break;
    case OtaError::Flash: text = "FLASH"; break;
  }
  std::snprintf(out, cap, "%s", text);
}

}  // namespace vt132::core
