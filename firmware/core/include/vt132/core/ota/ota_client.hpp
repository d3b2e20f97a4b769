#pragma once
// The OTA client behind AT+U? / AT+U^ / AT+U!, in the esp_https_ota spirit: a query that
// learns what the update URL offers, then an install that streams the image into the
// inactive slot and selects it only after every check has passed.
//
// Working memory comes from the CountingAllocator for the length of one call and is
// released before it returns; only the small OtaQuery survives between commands.
#include <cstddef>
#include <cstdint>

#include "vt132/core/app_image.hpp"
#include "vt132/core/mem/counting_allocator.hpp"
#include "vt132/core/net/transfer_guard.hpp"
#include "vt132/core/net/url.hpp"
#include "vt132/core/ota/release_scanner.hpp"
#include "vt132/core/port/network.hpp"
#include "vt132/core/port/ota_slots.hpp"
#include "vt132/core/port/system.hpp"
#include "vt132/core/version.hpp"

namespace vt132::core {

constexpr uint32_t kProgressStep = 64 * 1024;  // one dot per 64 KiB written

enum class UpdateError {
  Ok,
  BadUrl,
  Insecure,         // a release JSON or its assets over plain http://, or a redirect https -> http
  Network,          // resolve / connect / connection lost after the retries
  Tls,
  Timeout,          // silent past the read timeout, or slower than OtaOptions::transfer allows
  Http,             // a status other than 200/206; see OtaResult::http_status
  BadResponse,      // neither a release JSON nor an image, malformed HTTP, or over a bound
  NoRelease,        // the JSON holds no release this device may install (none, drafts, prereleases)
  NoImage,          // it holds releases, but none with our image asset
  NoMemory,
  Signature,        // missing, malformed or not verifying with the compiled-in key
  BadManifest,
  WrongProject,
  WrongChip,
  Expired,
  OlderThanAllowed, // secure_version below the anti-rollback floor
  TooLarge,
  Truncated,
  BadImage,         // not an ESP32 app image (magic, segments, no app descriptor)
  ChecksumMismatch,
  Sha256Mismatch,
  VersionMismatch,  // image descriptor differs from the tag / manifest
  Flash,
};

struct OtaResult {
  UpdateError error = UpdateError::Ok;
  int http_status = 0;
  bool ok() const { return error == UpdateError::Ok; }
};

// "SHA-256 MISMATCH", "HTTP 404", ...: the text after "UPDATE FAILED: ".
void describe(const OtaResult& result, char* out, size_t cap);

// What a query found; kept by the modem until the next query.
struct OtaQuery {
  bool valid = false;
  Version version;
  bool direct_image = false;  // the URL served an image, not a release JSON
  char image_url[kMaxUrlLength + 1] = {};
  uint32_t image_size = 0;    // from the release JSON; 0 = unknown
  char manifest_url[kMaxAssetUrl + 1] = {};
  char signature_url[kMaxAssetUrl + 1] = {};
};

struct OtaPorts {
  port::OtaSlots& slots;
  port::Network& net;
  port::Clock& clock;
  port::SecureCounter& efuse;
  port::SignatureVerifier* verifier;  // nullptr: the build does not require signatures
  CountingAllocator& heap;
};

struct OtaOptions {
  const char* image_asset_name = "VT132.bin";
  bool allow_prerelease = false;
  uint32_t timeout_ms = 10000;  // one read
  TransferLimits transfer;       // one whole transfer
  int max_resumes = 5;
  void (*on_progress)(void* user) = nullptr;  // called once per kProgressStep written
  void* progress_user = nullptr;
};

// Fetches url and fills `out` (a release JSON or an image, told apart by the first byte).
OtaResult ota_query(const OtaPorts& ports, const char* url, const OtaOptions& options, OtaQuery& out);

// Downloads the queried image into `slot`, verifies it, and selects it for the next boot.
// `running` is the app that runs now (its project name must match).
OtaResult ota_install(const OtaPorts& ports, const OtaQuery& query, const port::Slot& slot,
                      const AppDescriptor& running, const OtaOptions& options);

}  // namespace vt132::core
