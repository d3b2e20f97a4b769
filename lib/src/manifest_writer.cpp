#include "vt132/host/manifest_writer.hpp"

#include "vt132/core/manifest.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/hex.hpp"

namespace vt132::host {

namespace {

std::string quoted(const std::string& value, const char* key) {
  if (value.size() > core::kMaxManifestString) {
    throw Error(std::string("manifest field ") + key + " \"" + printable(value) + "\" is longer than " +
                std::to_string(core::kMaxManifestString) + " characters");
  }
  for (const char c : value) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b > 0x7E || c == '"' || c == '\\') {
      throw Error(std::string("manifest field ") + key + " \"" + printable(value) +
                  "\" has a character the manifest format does not allow");
    }
  }
  return "\"" + value + "\"";
}

std::string timestamp(int64_t seconds) {
  char text[21];
  core::format_utc_timestamp(seconds, text);
  return "\"" + std::string(text) + "\"";
}

std::string hex_field(const core::Sha256Digest& d) { return "\"" + to_hex(d.data(), d.size()) + "\""; }

// The delta listing: keys every schema-1 reader without delta support skips.
std::string patch_fields(const std::vector<ManifestPatchEntry>& patches) {
  if (patches.empty()) return "";
  if (patches.size() > core::kMaxManifestPatches) {
    throw Error("a manifest lists at most " + std::to_string(core::kMaxManifestPatches) + " patches, not " +
                std::to_string(patches.size()));
  }
  std::string out = ",\"delta\":" + std::to_string(core::kManifestDeltaFormat);
  for (size_t i = 0; i < patches.size(); ++i) {
    const ManifestPatchEntry& p = patches[i];
    const std::string key = "\"patch" + std::to_string(i + 1) + "_";
    out += "," + key + "base\":" + hex_field(p.base_sha256);
    out += "," + key + "asset\":" + quoted(p.asset, "patch asset");
    out += "," + key + "size\":" + std::to_string(p.size);
    out += "," + key + "sha256\":" + hex_field(p.sha256);
  }
  return out;
}

}  // namespace

std::string write_manifest(const ManifestFields& f) {
  std::string out = "{\"schema\":" + std::to_string(core::kManifestSchema);
  out += ",\"project\":" + quoted(f.project, "project");
  out += ",\"version\":" + quoted(f.version, "version");
  out += ",\"secure_version\":" + std::to_string(f.secure_version);
  out += ",\"chip\":" + quoted(f.chip, "chip");
  out += ",\"image\":" + quoted(f.image, "image");
  out += ",\"size\":" + std::to_string(f.size);
  out += ",\"sha256\":" + hex_field(f.sha256);
  out += std::string(",\"channel\":") + (f.prerelease ? "\"beta\"" : "\"stable\"");
  out += ",\"created\":" + timestamp(f.created);
  out += ",\"expires\":" + timestamp(f.expires);
  out += patch_fields(f.patches);
  out += "}\n";
  if (out.size() > core::kMaxManifestSize) {
    throw Error("the manifest would be " + std::to_string(out.size()) + " bytes; devices read at most " +
                std::to_string(core::kMaxManifestSize) + " (list fewer patches, or give them shorter names)");
  }
  core::Manifest check;
  core::ManifestProblem problem;
  if (core::parse_manifest(out.data(), out.size(), check, problem) != core::ManifestError::Ok) {
    char buf[160];
    core::format_manifest_problem(problem, buf, sizeof buf);
    throw Error(std::string("internal error: the manifest written does not read back: ") + buf);
  }
  return out;
}

}  // namespace vt132::host
