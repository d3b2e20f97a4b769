#pragma once
// Writes the signed release manifest (docs/manifest.md) byte for byte: compact, keys in the
// documented order, one trailing newline. The firmware's reader (core/manifest.hpp) is the
// judge of what is valid; write_manifest() re-reads its own output with it.
#include <cstdint>
#include <string>

#include "vt132/core/sha256.hpp"

namespace vt132::host {

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
};

// Throws Error when a field cannot be written in the format (e.g. a string with a quote,
// or longer than 64 characters).
std::string write_manifest(const ManifestFields& fields);

}  // namespace vt132::host
