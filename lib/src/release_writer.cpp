#include "vt132/host/release_writer.hpp"

#include <algorithm>
#include <ctime>

#include <nlohmann/json.hpp>

#include "vt132/core/app_image.hpp"
#include "vt132/core/manifest.hpp"
#include "vt132/core/version.hpp"
#include "vt132/host/checksums_file.hpp"
#include "vt132/host/delta_encoder.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/flash_bundle.hpp"
#include "vt132/host/flash_layout.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/image_report.hpp"
#include "vt132/host/manifest_writer.hpp"
#include "vt132/host/names.hpp"
#include "vt132/host/signing.hpp"

namespace vt132::host {
namespace fs = std::filesystem;

namespace {

core::Version parse_tag(const std::string& tag) {
  if (!names::valid_tag(tag)) throw Error("tag \"" + printable(tag) + "\" is not a tag GitHub and the server accept");
  core::Version version;
  const core::VersionError err = core::parse_version(tag, version);
  if (err != core::VersionError::Ok) {
    char buf[160];
    core::format_version_error(tag, err, buf, sizeof buf);
    throw Error(std::string("tag ") + buf);
  }
  return version;
}

void check_request(const ReleaseRequest& r) {
  if (!valid_asset_name(r.asset_name)) {
    throw Error("asset name \"" + printable(r.asset_name) + "\" is not a plain file name (letters, digits, . _ + -)");
  }
  if (r.asset_name == kManifestAssetName || r.asset_name == kSignatureAssetName ||
      r.asset_name == kChecksumsAssetName || r.asset_name == kReleaseJsonName ||
      r.asset_name == kFlashBundleAssetName) {
    throw Error("asset name \"" + r.asset_name + "\" is reserved for the release's own files");
  }
  if (!r.repo.empty() && !valid_repo_name(r.repo)) {
    throw Error("repository \"" + printable(r.repo) + "\" is not OWNER/NAME");
  }
  check_expires_days(r.expires_days);
  std::error_code ec;
  if (fs::exists(fs::symlink_status(r.out, ec))) {
    throw Error(r.out.string() + " already exists; choose a new output directory");
  }
}

struct LoadedImage {
  std::vector<uint8_t> bytes;
  ImageReport report;
  std::string previous_version;
};

core::ImagePolicy image_policy(const ReleaseRequest& r) {
  core::ImagePolicy policy;
  uint16_t chip = 0;
  if (!core::chip_id_from_name(r.chip.c_str(), chip)) throw Error("unknown chip \"" + printable(r.chip) + "\" (known: " + core::known_chip_names() + ")");
  policy.expected_chip = chip;
  policy.max_size = r.max_size;
  return policy;
}

// The image as a device would check it (what `verify` checks, with the request's chip and size).
LoadedImage read_checked_image(const ReleaseRequest& r) {
  LoadedImage img;
  img.bytes = read_file(r.image, kMaxImageFileSize);
  img.report = examine_image(img.bytes, image_policy(r));
  if (!img.report.valid()) throw Error(r.image.string() + ": " + img.report.problem_text());
  img.previous_version = img.report.info.app.version;
  return img;
}

LoadedImage load_image(const ReleaseRequest& r) {
  LoadedImage img = read_checked_image(r);
  const core::ImagePolicy policy = image_policy(r);
  if (r.stamp && img.previous_version != r.tag) {
    if (r.tag.size() >= core::kAppVersionFieldSize) {
      throw Error("tag " + r.tag + " does not fit the image's 31-character version field");
    }
    core::ImageProblem problem;
    if (core::stamp_image(img.bytes.data(), img.bytes.size(), r.tag.c_str(), core::kKeepSecureVersion, problem) !=
        core::ImageError::Ok) {
      char buf[256];
      core::format_image_problem(problem, buf, sizeof buf);
      throw Error(r.image.string() + ": cannot stamp: " + buf);
    }
    img.report = examine_image(img.bytes, policy);
  }
  const std::string version = img.report.info.app.version;
  if (version != r.tag) {
    throw Error("image version " + printable(version) + " does not match tag " + r.tag +
                " (rebuild with the tag's version, or add --stamp to write it into the image)");
  }
  return img;
}

std::string read_notes(const std::optional<fs::path>& notes) {
  if (!notes) return "";
  const auto bytes = read_file(*notes, kMaxNotesSize);
  std::string text(bytes.begin(), bytes.end());
  try {
    (void)nlohmann::json(text).dump();  // the only way it reaches JSON; catches bad UTF-8 now
  } catch (const nlohmann::json::exception&) {
    throw Error("release notes " + notes->string() + " are not valid UTF-8");
  }
  return text;
}

std::string sha256_hex(const std::string& data) {
  const auto d = core::Sha256::of(reinterpret_cast<const uint8_t*>(data.data()), data.size());
  return to_hex(d.data(), d.size());
}

const char* content_type_for(const std::string& name) {
  if (name == kManifestAssetName) return "application/json";
  if (name == kChecksumsAssetName) return "text/plain";
  return "application/octet-stream";
}

// Fields a server assigns (ids, URLs, uploader, counts) are null, always the same ones.
nlohmann::json asset_json(const ReleaseAsset& a) {
  return {{"url", nullptr},          {"browser_download_url", nullptr},
          {"id", nullptr},           {"node_id", nullptr},
          {"name", a.name},          {"label", nullptr},
          {"state", nullptr},        {"content_type", content_type_for(a.name)},
          {"size", a.size},          {"digest", "sha256:" + a.sha256_hex},
          {"download_count", nullptr}, {"created_at", nullptr},
          {"updated_at", nullptr},   {"uploader", nullptr}};
}

std::string release_json(const ReleaseRequest& r, const ReleaseSummary& s, const std::string& notes,
                         const std::string& created) {
  nlohmann::json assets = nlohmann::json::array();
  for (const ReleaseAsset& a : s.assets) assets.push_back(asset_json(a));
  nlohmann::json j = {
      {"url", nullptr},          {"html_url", nullptr},      {"assets_url", nullptr},
      {"upload_url", nullptr},   {"tarball_url", nullptr},   {"zipball_url", nullptr},
      {"id", nullptr},           {"node_id", nullptr},       {"tag_name", r.tag},
      {"target_commitish", nullptr},
      {"name", r.name.empty() ? r.tag : r.name},
      {"body", notes},           {"draft", false},           {"prerelease", s.prerelease},
      {"created_at", created},   {"published_at", nullptr},  {"author", nullptr},
      {"assets", assets},
      // Not a GitHub field: where `publish` sends it by default.
      {"repository", r.repo.empty() ? nlohmann::json(nullptr) : nlohmann::json({{"full_name", r.repo}})},
  };
  return j.dump(2) + "\n";
}

std::string checksums_file(const std::vector<ReleaseAsset>& assets) {
  std::vector<ReleaseAsset> sorted = assets;
  std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  std::string out;
  for (const ReleaseAsset& a : sorted) out += checksum_line(a.sha256_hex, a.name);
  return out;
}

struct StagedFile {
  std::string name;
  std::string bytes;
};

// The image of an earlier release: the file itself, or what a release directory's manifest
// names as its image.
fs::path base_image_path(const fs::path& from) {
  std::error_code ec;
  if (!fs::is_directory(from, ec)) return from;
  const auto text = read_file(from / kManifestAssetName, core::kMaxManifestSize);
  core::Manifest m;
  core::ManifestProblem problem;
  if (core::parse_manifest(reinterpret_cast<const char*>(text.data()), text.size(), m, problem) != core::ManifestError::Ok) {
    char buf[160];
    core::format_manifest_problem(problem, buf, sizeof buf);
    throw Error((from / kManifestAssetName).string() + ": " + buf);
  }
  if (!valid_asset_name(m.image)) throw Error((from / kManifestAssetName).string() + " names no plain image file");
  return from / m.image;
}

std::string asset_stem(const std::string& asset_name) {
  const size_t dot = asset_name.rfind('.');
  return dot == std::string::npos || dot == 0 ? asset_name : asset_name.substr(0, dot);
}

// One patch per earlier release, each checked with the device's own applier before it ships.
std::vector<StagedFile> make_patches(const ReleaseRequest& r, const LoadedImage& img, ManifestFields& m) {
  if (r.delta_from.size() > core::kMaxManifestPatches) {
    throw Error("--delta-from given " + std::to_string(r.delta_from.size()) + " times; a manifest lists at most " +
                std::to_string(core::kMaxManifestPatches) + " patches");
  }
  core::ImagePolicy policy;
  policy.max_size = r.max_size;
  std::vector<StagedFile> files;
  for (const fs::path& from : r.delta_from) {
    const fs::path path = base_image_path(from);
    const std::vector<uint8_t> base = read_file(path, kMaxImageFileSize);
    const ImageReport report = examine_image(base, policy);
    if (!report.valid()) throw Error("--delta-from " + path.string() + ": " + report.problem_text());
    if (std::string(report.info.app.project_name) != img.report.info.app.project_name) {
      throw Error("--delta-from " + path.string() + " is project " + printable(report.info.app.project_name) +
                  ", not " + printable(img.report.info.app.project_name));
    }
    if (report.info.file_sha256 == m.sha256) throw Error("--delta-from " + path.string() + " is the new image itself");
    for (const ManifestPatchEntry& e : m.patches) {
      if (e.base_sha256 == report.info.file_sha256) throw Error("--delta-from " + path.string() + " is given twice");
    }
    ManifestPatchEntry entry;
    entry.base_sha256 = report.info.file_sha256;
    entry.asset = asset_stem(r.asset_name) + "-from-" + report.info.app.version + ".patch";
    if (!valid_asset_name(entry.asset)) {
      throw Error("patch asset name \"" + printable(entry.asset) + "\" is not a plain file name");
    }
    const std::vector<uint8_t> patch = make_patch(base, img.bytes);
    entry.size = static_cast<uint32_t>(patch.size());
    entry.sha256 = core::Sha256::of(patch.data(), patch.size());
    m.patches.push_back(entry);
    files.push_back({entry.asset, std::string(patch.begin(), patch.end())});
  }
  return files;
}

// FIRMWARE.zip, with the release's own image (stamped, if it was) as the app.
StagedFile make_flash_bundle(const ReleaseRequest& r, const LoadedImage& img) {
  if (r.chip != "esp32") {
    throw Error("--bootloader: the flashing bundle is for esp32 (bootloader at 0x1000), not " + printable(r.chip));
  }
  FlashBundleInputs in;
  in.bootloader = read_file(*r.bootloader, kMaxImageFileSize);
  const FlashSettings settings = check_bootloader(in.bootloader, r.bootloader->string());
  in.table = r.partitions ? load_partition_table(*r.partitions, settings.size) : core::vt132_default_partitions();
  in.app = img.bytes;
  in.app_name = r.asset_name;
  in.version = r.tag;
  const FlashBundle bundle = build_flash_bundle(in);
  return {kFlashBundleAssetName, std::string(bundle.zip.begin(), bundle.zip.end())};
}

void write_release_dir(const fs::path& out, const std::vector<StagedFile>& files) {
  if (out.has_parent_path()) {
    std::error_code ec;
    fs::create_directories(out.parent_path(), ec);
    if (ec) throw Error("cannot create " + out.parent_path().string() + ": " + ec.message());
  }
  const fs::path staging = make_staging_dir(out);
  try {
    for (const StagedFile& f : files) write_file_atomic(staging / f.name, f.bytes);
    publish_directory(staging, out);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    throw;
  }
}

}  // namespace

// The rule the server checks too (vt132/host/names.hpp), so a repository create accepts is
// one the server serves.
void check_expires_days(int days) {
  if (days < 1 || days > kMaxExpiresDays) {
    throw Error("--expires must be 1 to " + std::to_string(kMaxExpiresDays) + " days, not " + std::to_string(days));
  }
}

bool valid_repo_name(const std::string& repo) { return names::valid_full_name(repo); }

// A name GitHub (and the server) stores unchanged, so the manifest names the real asset;
// and short enough for the manifest's fixed-size field on the device.
bool valid_asset_name(const std::string& name) {
  return names::valid_asset_name(name) && name.size() <= core::kMaxManifestString;
}

std::string checked_image_version(const ReleaseRequest& request) {
  return read_checked_image(request).report.info.app.version;
}

ReleaseSummary create_release(const ReleaseRequest& request) {
  // "dist/V1.8.0/" (as tab completion writes it) names the same directory as "dist/V1.8.0".
  ReleaseRequest r = request;
  if (!r.out.has_filename()) r.out = r.out.parent_path();
  if (r.out.empty()) throw Error("--out must name a new directory");
  const core::Version tag = parse_tag(r.tag);
  check_request(r);
  if (r.partitions && !r.bootloader) throw Error("--partitions is for the flashing bundle: give --bootloader too");
  const LoadedImage img = load_image(r);
  const std::string notes = read_notes(r.notes);
  std::optional<SigningKey> key;
  if (r.key) key.emplace(*r.key);

  ReleaseSummary s;
  s.dir = r.out;
  s.tag = r.tag;
  s.prerelease = r.prerelease.value_or(tag.is_prerelease());
  s.previous_version = img.previous_version;
  const int64_t now = r.now != 0 ? r.now : static_cast<int64_t>(std::time(nullptr));

  ManifestFields m;
  m.project = img.report.info.app.project_name;
  m.version = r.tag;
  m.secure_version = img.report.info.app.secure_version;
  m.chip = r.chip;
  m.image = r.asset_name;
  m.size = static_cast<uint32_t>(img.bytes.size());
  m.sha256 = img.report.info.file_sha256;
  m.prerelease = s.prerelease;
  m.created = now;
  m.expires = now + int64_t{r.expires_days} * 86400;
  std::vector<StagedFile> extras = make_patches(r, img, m);  // assets besides the image and manifest
  if (r.bootloader) extras.push_back(make_flash_bundle(r, img));
  const std::string manifest = write_manifest(m);
  char stamp[21];
  core::format_utc_timestamp(m.expires, stamp);
  s.expires = stamp;

  std::vector<StagedFile> files;
  files.push_back({r.asset_name, std::string(img.bytes.begin(), img.bytes.end())});
  files.insert(files.end(), extras.begin(), extras.end());
  files.push_back({kManifestAssetName, manifest});
  if (key) {
    const auto sig = key->sign(manifest);
    if (!key->verify_key().verify(manifest, sig)) throw Error("internal error: a fresh signature does not verify");
    files.push_back({kSignatureAssetName, std::string(sig.begin(), sig.end())});
    s.signed_manifest = true;
    s.key_fingerprint = key->fingerprint_sha256();
  } else {
    s.signed_manifest = false;
  }
  s.assets.push_back({r.asset_name, img.bytes.size(), to_hex(m.sha256.data(), m.sha256.size())});
  for (size_t i = 1; i < files.size(); ++i) {
    s.assets.push_back({files[i].name, files[i].bytes.size(), sha256_hex(files[i].bytes)});
  }
  const std::string sums = checksums_file(s.assets);
  s.assets.push_back({kChecksumsAssetName, sums.size(), sha256_hex(sums)});
  files.push_back({kChecksumsAssetName, sums});
  char created[21];
  core::format_utc_timestamp(now, created);
  files.push_back({kReleaseJsonName, release_json(r, s, notes, created)});
  write_release_dir(r.out, files);
  return s;
}

}  // namespace vt132::host
