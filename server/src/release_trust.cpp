#include "release_trust.hpp"

#include <string>

#include "vt132/core/manifest.hpp"

namespace vt132::server {

namespace {

std::string_view asset_bytes(const Asset& a) {
  return a.blob ? std::string_view(a.blob->data(), a.blob->size()) : std::string_view();
}

// The manifest's text when it parses as a device parses it; else `problem` says why.
std::optional<core::Manifest> read_manifest(const Asset* asset, std::string& problem) {
  if (asset == nullptr) {
    problem = std::string(kManifestAsset) + " is missing";
    return std::nullopt;
  }
  if (asset->size > core::kMaxManifestSize) {
    problem = std::string(kManifestAsset) + " is larger than " + std::to_string(core::kMaxManifestSize) + " bytes";
    return std::nullopt;
  }
  const std::string_view text = asset_bytes(*asset);
  core::Manifest manifest;
  core::ManifestProblem why;
  if (core::parse_manifest(text.data(), text.size(), manifest, why) != core::ManifestError::Ok) {
    char buf[160];
    core::format_manifest_problem(why, buf, sizeof buf);
    problem = buf;
    return std::nullopt;
  }
  return manifest;
}

bool image_matches(const Release& release, const core::Manifest& manifest) {
  const Asset* image = release.find_asset(std::string_view(manifest.image));
  if (image == nullptr) return false;
  char hex[65];
  core::sha256_to_hex(manifest.sha256, hex);
  return image->size == manifest.size && image->sha256 == hex;
}

// Signed unless the signature is malformed; by whom when a trusted key verifies it.
void check_signature(const Asset& sig_asset, std::string_view manifest_text,
                     const std::vector<host::VerifyKey>& trusted, ReleaseTrust& out) {
  if (sig_asset.size > kMaxSignatureBytes) {
    out.signing = Signing::Damaged;
    out.problem = std::string(kSignatureAsset) + " is larger than " + std::to_string(kMaxSignatureBytes) + " bytes";
    return;
  }
  const std::string_view sig_text = asset_bytes(sig_asset);
  const std::vector<uint8_t> sig(sig_text.begin(), sig_text.end());
  try {
    host::der_signature_to_raw(sig);
  } catch (const host::Error&) {
    out.signing = Signing::Damaged;
    out.problem = std::string(kSignatureAsset) + " is not a DER ECDSA signature";
    return;
  }
  if (trusted.empty()) {
    out.signing = Signing::SignedUnchecked;
    return;
  }
  for (const host::VerifyKey& key : trusted) {
    if (key.verify(manifest_text, sig)) {
      out.signing = Signing::SignedBy;
      out.key_fingerprint = key.fingerprint_sha256();
      return;
    }
  }
  out.signing = Signing::Untrusted;
}

}  // namespace

ReleaseTrust release_trust(const Release& release, const std::vector<host::VerifyKey>& trusted) {
  ReleaseTrust out;
  const Asset* manifest_asset = release.find_asset(kManifestAsset);
  const Asset* sig_asset = release.find_asset(kSignatureAsset);
  if (manifest_asset == nullptr && sig_asset == nullptr) return out;  // unsigned, no manifest
  const std::optional<core::Manifest> manifest = read_manifest(manifest_asset, out.problem);
  if (manifest) {
    out.expires = manifest->expires;
    out.image_mismatch = !image_matches(release, *manifest);
  }
  if (sig_asset == nullptr) return out;
  if (!manifest) {
    out.signing = Signing::Damaged;
    return out;
  }
  check_signature(*sig_asset, asset_bytes(*manifest_asset), trusted, out);
  return out;
}

bool is_yanked(const Release& release) {
  return release.name.compare(0, kYankedPrefix.size(), kYankedPrefix) == 0;
}

}  // namespace vt132::server
