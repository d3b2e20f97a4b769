#pragma once
// Writes the signed release manifest (docs/manifest.md) byte for byte: compact, keys in the
// documented order, one trailing newline. The firmware's reader (core/manifest.hpp) is the
// judge of what is valid; write_manifest() re-reads its own output with it.
#include <cstdint>
#include <string>
#include <vector>

#include "vt132/core/sha256.hpp"

namespace vt132::host {

// A delta patch asset of the release (docs/manifest.md, "Delta patches").
struct ManifestPatchEntry {
  core::Sha256Digest base_sha256{};  // the image the patch applies to
  std::string asset;                  // its asset name, e.g. VT132-from-V1.7.0.patch
  uint32_t size = 0;
  core::Sha256Digest sha256{};        // of the patch file
};

struct ManifestFields {
  std::string project;
  std::string version;
  uint32_t secure_version = 0;
  std::string chip;
  std::string image;
  uint32_t size = 0;
  core::Sha256Digest sha256{};
  bool prerelease = false;  // channel "beta" instead of "stable"
  int64_t created = 0;      // unix seconds
  int64_t expires = 0;
  std::vector<ManifestPatchEntry> patches;  // at most core::kMaxManifestPatches
};

// Throws Error when a field cannot be written in the format (e.g. a string with a quote,
// or longer than 64 characters), or the manifest would exceed the 1024 bytes devices read.
std::string write_manifest(const ManifestFields& fields);

}  // namespace vt132::host
