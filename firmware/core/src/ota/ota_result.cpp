#include <cstdio>

#include "vt132/core/ota/ota_client.hpp"

namespace vt132::core {

void describe(const OtaResult& result, char* out, size_t cap) {
  const char* text = "UNKNOWN";
  switch (result.error) {
    case UpdateError::Ok: text = "OK"; break;
    case UpdateError::BadUrl: text = "BAD URL"; break;
    case UpdateError::Insecure: text = "HTTPS REQUIRED"; break;
    case UpdateError::Network: text = "NETWORK"; break;
    case UpdateError::Tls: text = "TLS"; break;
    case UpdateError::Timeout: text = "TIMEOUT"; break;
    case UpdateError::Http: std::snprintf(out, cap, "HTTP %d", result.http_status); return;
    case UpdateError::BadResponse: text = "BAD RESPONSE"; break;
    case UpdateError::NoRelease: text = "NO RELEASE"; break;
    case UpdateError::NoImage: text = "NO IMAGE IN RELEASE"; break;
    case UpdateError::NoMemory: text = "NO MEMORY"; break;
    case UpdateError::Signature: text = "SIGNATURE"; break;
    case UpdateError::BadManifest: text = "BAD MANIFEST"; break;
    case UpdateError::WrongProject: text = "WRONG PROJECT"; break;
    case UpdateError::WrongChip: text = "WRONG CHIP"; break;
    case UpdateError::Expired: text = "EXPIRED"; break;
    case UpdateError::OlderThanAllowed: text = "OLDER THAN ALLOWED"; break;
    case UpdateError::TooLarge: text = "TOO LARGE"; break;
    case UpdateError::Truncated: text = "TRUNCATED"; break;
    case UpdateError::BadImage: text = "BAD IMAGE"; break;
    case UpdateError::ChecksumMismatch: text = "CHECKSUM MISMATCH"; break;
    case UpdateError::Sha256Mismatch: text = "SHA-256 MISMATCH"; break;
    case UpdateError::VersionMismatch: text = "VERSION MISMATCH"; break;
    case UpdateError::Flash: text = "FLASH"; break;
    case UpdateError::InProgress: text = "IN PROGRESS"; break;
    case UpdateError::InvalidState: text = "INVALID STATE"; break;
    case UpdateError::InvalidArgument: text = "INVALID ARGUMENT"; break;
    case UpdateError::BadPatch: text = "BAD PATCH"; break;
  }
  std::snprintf(out, cap, "%s", text);
}

}  // namespace vt132::core
