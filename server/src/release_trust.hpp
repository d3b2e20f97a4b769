#pragma once
// What the pages tell about a release beyond its files: is it signed, by which key, when its
// manifest expires, and has it been yanked. Read from the release's own assets
// (docs/manifest.md) with the firmware's manifest reader, so the page calls a manifest
// valid exactly when a device would.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "release.hpp"
#include "vt132/host/signing.hpp"

namespace vt132::server {

constexpr std::string_view kManifestAsset = "vt132-manifest.json";
constexpr std::string_view kSignatureAsset = "vt132-manifest.json.sig";
// A DER ECDSA P-256 signature is at most 72 bytes; anything far larger is not one.
constexpr uint64_t kMaxSignatureBytes = 256;
// `vt132-release yank` renames a release "[yanked] NAME" (and marks it a prerelease).
constexpr std::string_view kYankedPrefix = "[yanked]";

enum class Signing {
  Unsigned,        // no vt132-manifest.json.sig asset
  Damaged,         // a .sig, but it or the manifest is missing or does not parse (`problem`)
  SignedUnchecked, // manifest and signature parse; this server was given no key to check them
  SignedBy,        // a key this server trusts verifies the signature (`key_fingerprint`)
  Untrusted,       // none of the keys this server trusts verifies it
};

struct ReleaseTrust {
  Signing signing = Signing::Unsigned;
  std::string key_fingerprint;  // SignedBy: SHA-256 of the key, lower-case hex
  std::string problem;          // Damaged, or a manifest that does not parse
  std::optional<int64_t> expires;  // the manifest's "expires", when it parses
  // The manifest names an image whose size or SHA-256 differs from the asset served.
  bool image_mismatch = false;
};

// `trusted`: the public keys this server was told to trust (possibly none).
ReleaseTrust release_trust(const Release& release, const std::vector<host::VerifyKey>& trusted);

bool is_yanked(const Release& release);

}  // namespace vt132::server
