#pragma once
// The signed release manifest (docs/manifest.md): a flat JSON object of at most 1 KiB.
// This reader is what the device runs, so it is allocation-free and accepts only the small
// JSON subset the format allows; anything else is an error, never a guess.
#include <cstddef>
#include <cstdint>

#include "vt132/core/sha256.hpp"

namespace vt132::core {

constexpr size_t kMaxManifestSize = 1024;
constexpr size_t kMaxManifestString = 64;
constexpr size_t kMaxManifestKeys = 32;
constexpr uint32_t kManifestSchema = 1;
// Delta patches (docs/manifest.md, "Delta patches"): optional keys "delta" (the version of the
// listing, kManifestDeltaFormat) and patchN_base/_asset/_size/_sha256 for N = 1..3. Three is
// what fits the 1 KiB every schema-1 reader allows; devices that predate the keys ignore them.
constexpr size_t kMaxManifestPatches = 3;
constexpr uint32_t kManifestDeltaFormat = 1;

// A patch asset of the release that turns the image with SHA-256 `base_sha256` into this one.
struct ManifestPatch {
  Sha256Digest base_sha256{};
  char asset[kMaxManifestString + 1] = {};
  uint32_t size = 0;
  Sha256Digest sha256{};
};

struct Manifest {
  uint32_t schema = 0;
  char project[kMaxManifestString + 1] = {};
  char version[kMaxManifestString + 1] = {};
  uint32_t secure_version = 0;
  char chip[kMaxManifestString + 1] = {};
  char image[kMaxManifestString + 1] = {};
  uint32_t size = 0;
  Sha256Digest sha256{};
  char channel[kMaxManifestString + 1] = {};
  int64_t created = 0;  // unix seconds, UTC
  int64_t expires = 0;
  uint32_t delta = 0;        // the listing's version; 0 when the manifest lists no patches
  size_t patch_count = 0;    // usable entries: 0 unless delta == kManifestDeltaFormat
  ManifestPatch patches[kMaxManifestPatches];

  // The patch that applies to a running image with this SHA-256, or nullptr.
  const ManifestPatch* patch_for(const Sha256Digest& base) const;
};

enum class ManifestError {
  Ok,
  TooLarge,          // more than kMaxManifestSize bytes
  Syntax,            // not a flat JSON object of strings and integers
  StringTooLong,     // a string value or key over kMaxManifestString characters
  BadString,         // a control character, non-ASCII byte or backslash escape
  BadNumber,         // not a decimal integer up to 2^32 - 1
  TooManyKeys,
  DuplicateKey,
  MissingKey,
  WrongType,         // a known key with a string where an integer belongs, or the reverse
  UnsupportedSchema,
  BadSha256,         // not 64 lower-case hex digits
  BadTimestamp,      // not YYYY-MM-DDTHH:MM:SSZ
  BadChannel,        // neither "stable" nor "beta"
  BadPatch,          // a patch entry with size 0, or an entry without the one before it
};

struct ManifestProblem {
  ManifestError error = ManifestError::Ok;
  size_t offset = 0;        // byte offset in the input
  const char* key = "";     // the known key involved, where there is one
};

ManifestError parse_manifest(const char* data, size_t len, Manifest& out, ManifestProblem& problem);
ManifestError parse_manifest(const char* data, size_t len, Manifest& out);

const char* describe(ManifestError error);
// e.g. "manifest: missing key \"sha256\"" or "manifest: bad timestamp for \"expires\" at offset 212".
size_t format_manifest_problem(const ManifestProblem& problem, char* out, size_t cap);

// "YYYY-MM-DDTHH:MM:SSZ" <-> unix seconds (proleptic Gregorian, UTC, years 1970..9999).
bool parse_utc_timestamp(const char* text, size_t len, int64_t& seconds);
void format_utc_timestamp(int64_t seconds, char out[21]);

}  // namespace vt132::core
