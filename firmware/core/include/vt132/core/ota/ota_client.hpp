#pragma once
// The OTA client behind AT+U? / AT+U^ / AT+U!, in the esp_https_ota spirit: a query that
// learns what the update URL offers (ota_query, here), then an install through the OtaUpdate
// handle (ota_update.hpp) that streams the image into the inactive slot and selects it only
// after every check has passed. These are the types both share.
//
// The query's working memory comes from the CountingAllocator for the length of the call
// and is released before it returns; only the small OtaQuery survives between commands.
#include <cstddef>
#include <cstdint>

#include "vt132/core/app_image.hpp"
#include "vt132/core/mem/counting_allocator.hpp"
#include "vt132/core/net/transfer_guard.hpp"
#include "vt132/core/net/url.hpp"
#include "vt132/core/ota/release_scanner.hpp"
#include "vt132/core/ota/user_agent.hpp"
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
  Timeout,          // silent past the read timeout, or slower than OtaConfig::transfer allows
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
  InProgress,       // OtaUpdate::perform: not done yet, call again (esp_https_ota's IN_PROGRESS)
  InvalidState,     // an OtaUpdate call out of order (perform before begin, finish before the end)
  InvalidArgument,  // an OtaConfig field out of its range, or neither a URL nor a query
  BadPatch,         // a delta patch the applier refused (wrong base, damaged, wrong result)
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
  // The names of the release's patch assets, served next to the image (ReleaseInfo); begin
  // fetches the one the signed manifest lists for the running image, if any.
  char patch_names[kMaxPatchAssets][kMaxAssetName + 1] = {};
  size_t patch_count = 0;
};

struct OtaPorts {
  port::OtaSlots& slots;
  port::Network& net;
  port::Clock& clock;
  port::SecureCounter& efuse;
  port::SignatureVerifier* verifier;  // nullptr: the build does not require signatures
  CountingAllocator& heap;
};

// What one query or update may use and how it behaves. Defaults are the modem's.
struct OtaConfig {
  // Where to look: a release document or an image (ota_query and OtaUpdate::begin without a
  // query). Only read during the call it is given to.
  const char* url = nullptr;
  // An earlier query's answer (AT+U? before AT+U^): begin copies it and does not look the
  // release up again. Must be valid().
  const OtaQuery* query = nullptr;
  const char* image_asset_name = "VT132.bin";
  // What every request says the device is (ota/user_agent.hpp: device_user_agent); nullptr:
  // "VT132". Only read during the call it is given to: an update keeps its own copy.
  const char* user_agent = nullptr;
  bool allow_prerelease = false;
  // Signatures are required exactly when OtaPorts::verifier is given.

  // The HTTP receive buffer, taken from the heap at begin: one network read, and so one
  // OtaUpdate::perform, moves at most this many bytes into flash; finish() reads the slot
  // back in pieces of this size. 1 KiB keeps one perform to about a millisecond of flash
  // writing; larger buffers cost heap, not speed, as TLS records arrive in up to 16 KiB.
  size_t rx_buffer_size = 1024;
  static constexpr size_t kMinRxBuffer = 256;
  static constexpr size_t kMaxRxBuffer = 16 * 1024;
  // The longest one perform waits for the network before it answers InProgress, so a caller
  // polling between performs (the modem reading its serial port) stays live.
  uint32_t net_wait_ms = 20;
  uint32_t timeout_ms = 10000;   // the server silent this long in total: Timeout
  TransferLimits transfer;       // rate floor and deadline of each whole transfer
  int max_resumes = 5;           // reconnections with Range after a dropped connection
  uint32_t resume_backoff_ms = 200;  // the n-th resume connects no earlier than n times this
  void (*on_progress)(void* user) = nullptr;  // called once per kProgressStep written
  void* progress_user = nullptr;
  // Called once when an install by patch fails and the handle falls back to the full image
  // in the same update; `reason` is describe()'s text of the failure ("CORRUPT PATCH", ...).
  void (*on_patch_failed)(void* user, const char* reason) = nullptr;
};

// Fetches config.url and fills `out` (a release JSON or an image, told apart by the first byte).
OtaResult ota_query(const OtaPorts& ports, const OtaConfig& config, OtaQuery& out);

}  // namespace vt132::core
