#include "vt132/host/renewer.hpp"

#include <ctime>
#include <optional>

#include "vt132/core/sha256.hpp"
#include "vt132/host/checksums_file.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/image_report.hpp"
#include "vt132/host/manifest_writer.hpp"
#include "vt132/host/release_remote.hpp"
#include "vt132/host/release_writer.hpp"
#include "vt132/host/signing.hpp"

namespace vt132::host {

namespace {

constexpr size_t kMaxChecksumsSize = 64 * 1024;

// Staging names: never what a device asks for, and what a later run clears away.
std::string staging_name(const std::string& name) { return name + ".renewing"; }

std::string hex_of(const core::Sha256Digest& d) { return to_hex(d.data(), d.size()); }

std::string sha256_of(const std::string& bytes) {
  return hex_of(core::Sha256::of(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

struct Context {
  const RenewRequest& r;
  RemoteRepo& remote;
  nlohmann::json release;
  std::string tag;
  void say(const std::string& line) const {
    if (r.say) r.say(line);
  }
  const nlohmann::json& assets() const {
    static const nlohmann::json kNone = nlohmann::json::array();
    return release.contains("assets") ? release["assets"] : kNone;
  }
  const nlohmann::json& asset(const std::string& name) const {
    const nlohmann::json* a = find_asset(assets(), name);
    if (a == nullptr) throw Error("release " + tag + " has no asset " + name + ", which its manifest names");
    return *a;
  }
};

// The manifest must still describe what the release serves: the image (size, SHA-256, the
// version inside it) and every listed patch. A renewal vouches for these bytes again.
void check_matches_release(const Context& c, const core::Manifest& m) {
  if (m.version != c.tag) {
    throw Error("release " + c.tag + ": its manifest is for version " + printable(m.version) + ", not the tag");
  }
  const std::string image = c.remote.download(c.asset(m.image), kMaxImageFileSize);
  if (image.size() != m.size || sha256_of(image) != hex_of(m.sha256)) {
    throw Error("release " + c.tag + ": the image " + printable(m.image) + " on the server (" +
                std::to_string(image.size()) + " bytes, sha256 " + sha256_of(image) +
                ") is not the one the manifest names (" + std::to_string(m.size) + " bytes, sha256 " +
                hex_of(m.sha256) + "); renewing would sign for other bytes: recreate the release instead");
  }
  const ImageReport report =
      examine_image(std::vector<uint8_t>(image.begin(), image.end()), core::ImagePolicy{});
  const std::string inside = report.info.has_app_desc ? printable(report.info.app.version) : "(none)";
  if (inside != m.version) {
    throw Error("release " + c.tag + ": the image's version is " + inside + ", the manifest's " + printable(m.version));
  }
  for (size_t i = 0; i < m.patch_count; ++i) {
    const core::ManifestPatch& p = m.patches[i];
    const std::string bytes = c.remote.download(c.asset(p.asset), kMaxImageFileSize);
    if (bytes.size() != p.size || sha256_of(bytes) != hex_of(p.sha256)) {
      throw Error("release " + c.tag + ": the patch " + printable(p.asset) +
                  " on the server is not the one the manifest names; recreate the release instead");
    }
  }
  c.say("  " + printable(m.image) + ": " + std::to_string(image.size()) + " bytes, sha256 " + sha256_of(image) +
        ", version " + inside + ": matches the manifest");
}

// The parsed manifest as writer fields; Error unless writing them gives back the very bytes
// served, so a renewal can never drop or alter a field this version does not know.
ManifestFields fields_of(const Context& c, const RemoteManifest& rm) {
  const core::Manifest& m = rm.manifest;
  ManifestFields f;
  f.project = m.project;
  f.version = m.version;
  f.secure_version = m.secure_version;
  f.chip = m.chip;
  f.image = m.image;
  f.size = m.size;
  f.sha256 = m.sha256;
  f.prerelease = std::string(m.channel) == "beta";
  f.created = m.created;
  f.expires = m.expires;
  for (size_t i = 0; i < m.patch_count; ++i) {
    f.patches.push_back({m.patches[i].base_sha256, m.patches[i].asset, m.patches[i].size, m.patches[i].sha256});
  }
  if (write_manifest(f) != rm.text) {
    throw Error("release " + c.tag + ": its manifest holds fields or a layout this vt132-release does not write; "
                "renewing would change more than the expiry. Renew with the vt132-release that made it, or "
                "recreate the release");
  }
  return f;
}

void check_old_signature(const Context& c, const RemoteManifest& rm, const SigningKey& key) {
  if (!rm.has_signature) {
    c.say("  " + std::string(kManifestAssetName) + ": was unsigned; the renewed one is signed");
    return;
  }
  const std::vector<uint8_t> sig(rm.signature.begin(), rm.signature.end());
  if (!key.verify_key().verify(rm.text, sig)) {
    throw Error("release " + c.tag + ": its signature is not by " + key.file().string() + " (fingerprint " +
                key.fingerprint_sha256() + "); renew with the key that signed it (devices trust that one)");
  }
}

// Deletes staged uploads a run cut short left behind.
void clear_staged(Context& c, const std::string& release_path) {
  for (const char* name : {kManifestAssetName, kSignatureAssetName, kChecksumsAssetName}) {
    if (const nlohmann::json* stale = find_asset(c.assets(), staging_name(name))) {
      c.remote.api().del(c.remote.path("/releases/assets/" + std::to_string(id_field(*stale, "asset"))));
      c.say("  " + staging_name(name) + ": removed (left by an interrupted renew)");
    }
  }
  c.release = c.remote.api().get(release_path);
}

bool server_swaps_in_one_write(GitHubClient& api) {
  try {
    const nlohmann::json root = api.get("/");
    return bool_field(root, "vt132_swap_assets");
  } catch (const ApiError&) {
    return false;  // no root object: not a server that offers it
  }
}

nlohmann::json upload_staged(Context& c, const std::string& name, const std::string& content_type,
                             const std::string& bytes) {
  return c.remote.api().upload(string_field(c.release, "upload_url"), staging_name(name), content_type, bytes, nullptr);
}

std::string asset_path(const Context& c, const nlohmann::json& asset) {
  return c.remote.path("/releases/assets/" + std::to_string(id_field(asset, "asset")));
}

// Staged uploads and the names they take.
struct Staged {
  nlohmann::json asset;
  const char* name;
};

// The order that never shows a new manifest with an old signature: the old signature goes
// first, the manifest is replaced, and only then does the new signature get its name.
// SHA256SUMS, which devices do not read, comes last.
void swap_in_steps(Context& c, const std::vector<Staged>& staged) {
  GitHubClient& api = c.remote.api();
  if (const nlohmann::json* old_sig = find_asset(c.assets(), kSignatureAssetName)) api.del(asset_path(c, *old_sig));
  for (const Staged& s : staged) {
    if (std::string(s.name) == kSignatureAssetName) continue;
    if (const nlohmann::json* old = find_asset(c.assets(), s.name)) api.del(asset_path(c, *old));
    api.patch(asset_path(c, s.asset), {{"name", s.name}});
    if (std::string(s.name) == kManifestAssetName) {
      api.patch(asset_path(c, staged[1].asset), {{"name", kSignatureAssetName}});
    }
  }
}

// All in one store write, where the server offers it.
void swap_at_once(Context& c, const std::string& release_path, const std::vector<Staged>& staged) {
  nlohmann::json renames = nlohmann::json::array();
  for (const Staged& s : staged) renames.push_back({{"asset_id", id_field(s.asset, "asset")}, {"name", s.name}});
  c.remote.api().patch(release_path, {{"vt132_swap_assets", renames}});
}

}  // namespace

RenewResult renew_release(const RenewRequest& r) {
  check_expires_days(r.expires_days);
  const SigningKey key(r.key);
  GitHubClient api({r.api_url, r.token, r.ca_file, "vt132-release"});
  RemoteRepo remote(api, r.repo);
  Context c{r, remote, remote.find_release(r.tag), r.tag};
  if (c.release.is_null()) throw Error("no release " + printable(r.tag) + " in " + remote.repo());
  const std::string release_path = remote.path("/releases/" + std::to_string(id_field(c.release, "release")));
  clear_staged(c, release_path);

  const std::optional<RemoteManifest> rm = fetch_manifest(remote, c.release);
  if (!rm) throw Error("release " + r.tag + " has no " + kManifestAssetName + ": there is nothing to renew");
  check_old_signature(c, *rm, key);
  check_matches_release(c, rm->manifest);
  ManifestFields fields = fields_of(c, *rm);

  const int64_t now = r.now != 0 ? r.now : static_cast<int64_t>(std::time(nullptr));
  fields.expires = now + int64_t{r.expires_days} * 86400;
  if (fields.expires <= rm->manifest.expires) {
    throw Error("release " + r.tag + ": its manifest already expires " + utc_text(rm->manifest.expires) +
                ", not before the " + utc_text(fields.expires) + " asked for; pass a longer --expires");
  }
  const std::string text = write_manifest(fields);
  const std::vector<uint8_t> sig = key.sign(text);

  const std::string sig_bytes(sig.begin(), sig.end());
  // Manifest first, signature second: swap_in_steps relies on this order.
  std::vector<Staged> staged = {
      {upload_staged(c, kManifestAssetName, "application/json", text), kManifestAssetName},
      {upload_staged(c, kSignatureAssetName, "application/octet-stream", sig_bytes), kSignatureAssetName}};
  if (const nlohmann::json* sums = find_asset(c.assets(), kChecksumsAssetName)) {
    // Its lines for the manifest and the signature get the new digests; every other line
    // stays byte for byte.
    const std::string sums_text = with_checksums(remote.download(*sums, kMaxChecksumsSize),
                                                 {{kManifestAssetName, sha256_of(text)},
                                                  {kSignatureAssetName, sha256_of(sig_bytes)}});
    staged.push_back({upload_staged(c, kChecksumsAssetName, "text/plain", sums_text), kChecksumsAssetName});
  }
  RenewResult result;
  result.single_write = server_swaps_in_one_write(api);
  if (result.single_write) {
    swap_at_once(c, release_path, staged);
  } else {
    swap_in_steps(c, staged);
  }

  // What devices now get must be exactly what was signed.
  c.release = api.get(release_path);
  const std::optional<RemoteManifest> now_served = fetch_manifest(remote, c.release);
  if (!now_served || now_served->text != text || now_served->signature != sig_bytes) {
    throw Error("release " + r.tag + ": after the swap the server does not serve the renewed manifest and "
                "signature; check it with `vt132-release status`");
  }
  result.old_expires = utc_text(rm->manifest.expires);
  result.new_expires = utc_text(fields.expires);
  result.key_fingerprint = key.fingerprint_sha256();
  result.was_signed = rm->has_signature;
  return result;
}

}  // namespace vt132::host
