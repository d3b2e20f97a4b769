#include "vt132/host/release_status.hpp"

#include <ctime>
#include <optional>
#include <sstream>

#include "vt132/core/sha256.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/image_report.hpp"
#include "vt132/host/release_remote.hpp"
#include "vt132/host/signing.hpp"

namespace vt132::host {

namespace {

std::string state_of(const nlohmann::json& rel) {
  if (is_yanked(rel)) return "yanked";
  if (bool_field(rel, "draft")) return "draft";
  if (bool_field(rel, "prerelease")) return "prerelease";
  return "published";
}

std::string sha256_of(const std::string& bytes) {
  const auto d = core::Sha256::of(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return "sha256:" + to_hex(d.data(), d.size());
}

// The digest of an asset: the server's when it reports one, else the bytes' own.
std::string digest_of(RemoteRepo& remote, const nlohmann::json& asset) {
  const std::string reported = string_field(asset, "digest");
  return reported.empty() ? sha256_of(remote.download(asset, kMaxImageFileSize)) : reported;
}

void check_named(RemoteRepo& remote, ReleaseStatusRow& row, const nlohmann::json& assets, const std::string& name,
                 uint32_t size, const core::Sha256Digest& sha256) {
  const std::string want = "sha256:" + to_hex(sha256.data(), sha256.size());
  const nlohmann::json* a = find_asset(assets, name);
  bool ok = a != nullptr && a->contains("size") && (*a)["size"].is_number_unsigned() &&
            (*a)["size"].get<uint64_t>() == size && digest_of(remote, *a) == want;
  if (!ok) row.digests_match = false;
  for (AssetStatus& s : row.assets) {
    if (s.name == name) s.manifest_check = ok ? "match" : "MISMATCH";
  }
}

void add_manifest(RemoteRepo& remote, ReleaseStatusRow& row, const nlohmann::json& rel,
                  const std::optional<VerifyKey>& key, int64_t now) {
  std::optional<RemoteManifest> rm;
  try {
    rm = fetch_manifest(remote, rel);
  } catch (const Error& e) {
    row.has_manifest = true;
    row.manifest_error = e.what();
    row.digests_match = false;
    return;
  }
  row.has_manifest = rm.has_value();
  if (!rm) {
    row.signature = "unsigned";
    return;
  }
  const core::Manifest& m = rm->manifest;
  row.manifest_version = printable(m.version);
  row.expires = utc_text(m.expires);
  const int64_t left = m.expires - now;
  row.expires_in_days = left >= 0 ? left / 86400 : -((-left + 86399) / 86400);
  if (!rm->has_signature) {
    row.signature = "unsigned";
  } else if (!key) {
    row.signature = "signed (key not checked)";
  } else if (key->verify(rm->text, std::vector<uint8_t>(rm->signature.begin(), rm->signature.end()))) {
    row.signature = "signed by " + key->fingerprint_sha256();
  } else {
    row.signature = "BAD SIGNATURE";
  }
  const nlohmann::json assets = rel.contains("assets") ? rel["assets"] : nlohmann::json::array();
  check_named(remote, row, assets, m.image, m.size, m.sha256);
  for (size_t i = 0; i < m.patch_count; ++i) {
    check_named(remote, row, assets, m.patches[i].asset, m.patches[i].size, m.patches[i].sha256);
  }
  if (row.manifest_version != row.tag) row.digests_match = false;
}

}  // namespace

std::vector<ReleaseStatusRow> release_status(const StatusRequest& r) {
  std::optional<VerifyKey> key;
  if (!r.trust_key.empty()) key.emplace(VerifyKey(r.trust_key));
  GitHubClient api({r.api_url, r.token, r.ca_file, "vt132-release"});
  RemoteRepo remote(api, r.repo);
  const int64_t now = r.now != 0 ? r.now : static_cast<int64_t>(std::time(nullptr));
  const nlohmann::json latest = remote.latest();
  const int64_t latest_id = latest.is_null() ? -1 : id_field(latest, "release");
  std::vector<ReleaseStatusRow> rows;
  for (const nlohmann::json& rel : remote.releases()) {
    ReleaseStatusRow row;
    row.tag = printable(string_field(rel, "tag_name"));
    row.name = printable(string_field(rel, "name"));
    row.state = state_of(rel);
    row.latest = id_field(rel, "release") == latest_id;
    row.published_at = printable(string_field(rel, "published_at"));
    if (rel.contains("assets") && rel["assets"].is_array()) {
      for (const auto& a : rel["assets"]) {
        AssetStatus s;
        s.name = printable(string_field(a, "name"));
        s.size = a.contains("size") && a["size"].is_number_unsigned() ? a["size"].get<uint64_t>() : 0;
        s.digest = printable(string_field(a, "digest"));
        row.assets.push_back(std::move(s));
      }
    }
    add_manifest(remote, row, rel, key, now);
    rows.push_back(std::move(row));
  }
  return rows;
}

nlohmann::json status_to_json(const std::vector<ReleaseStatusRow>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const ReleaseStatusRow& row : rows) {
    nlohmann::json assets = nlohmann::json::array();
    for (const AssetStatus& a : row.assets) {
      nlohmann::json j = {{"name", a.name}, {"size", a.size}, {"digest", a.digest}};
      if (!a.manifest_check.empty()) j["manifest"] = a.manifest_check == "match";
      assets.push_back(std::move(j));
    }
    nlohmann::json j = {{"tag", row.tag},          {"name", row.name},
                        {"state", row.state},      {"latest", row.latest},
                        {"published_at", row.published_at.empty() ? nlohmann::json() : nlohmann::json(row.published_at)},
                        {"signature", row.signature}, {"digests_match", row.digests_match},
                        {"assets", std::move(assets)}};
    if (row.has_manifest && row.manifest_error.empty()) {
      j["manifest"] = {{"version", row.manifest_version},
                       {"expires", row.expires},
                       {"expires_in_days", row.expires_in_days}};
    } else {
      j["manifest"] = row.manifest_error.empty() ? nlohmann::json() : nlohmann::json({{"error", row.manifest_error}});
    }
    out.push_back(std::move(j));
  }
  return out;
}

std::string status_to_text(const std::vector<ReleaseStatusRow>& rows) {
  std::ostringstream out;
  if (rows.empty()) out << "no releases\n";
  for (const ReleaseStatusRow& row : rows) {
    out << row.tag << "  " << row.state << (row.latest ? ", latest" : "") << "  "
        << (row.published_at.empty() ? "(not published)" : row.published_at) << "\n";
    if (row.name != row.tag) out << "  name      " << row.name << "\n";
    if (!row.manifest_error.empty()) {
      out << "  manifest  UNREADABLE: " << row.manifest_error << "\n";
    } else if (!row.has_manifest) {
      out << "  manifest  none\n";
    } else {
      out << "  manifest  version " << row.manifest_version << ", expires " << row.expires << " ("
          << (row.expires_in_days < 0 ? "EXPIRED " + std::to_string(-row.expires_in_days) + " days ago"
                                      : "in " + std::to_string(row.expires_in_days) + " days")
          << ")\n";
    }
    out << "  signature " << row.signature << "\n";
    if (row.has_manifest) {
      out << "  digests   " << (row.digests_match ? "match the manifest" : "DO NOT MATCH the manifest") << "\n";
    }
    for (const AssetStatus& a : row.assets) {
      out << "    " << a.name << "  " << a.size << " bytes  " << (a.digest.empty() ? "(no digest)" : a.digest)
          << (a.manifest_check.empty() ? "" : "  " + a.manifest_check) << "\n";
    }
  }
  return out.str();
}

}  // namespace vt132::host
