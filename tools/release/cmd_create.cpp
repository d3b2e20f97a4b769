// `create --image IMG --tag V --out DIR [...]`: a complete, signed, GitHub-shaped release dir.
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "tag_option.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/release_writer.hpp"

namespace vt132::release {

namespace {

void print_summary(const host::ReleaseSummary& s) {
  std::cout << "created release " << s.tag << " in " << s.dir.string() << "/\n";
  if (s.previous_version != s.tag) {
    std::cout << "  stamped the image: " << host::printable(s.previous_version) << " -> " << s.tag << "\n";
  }
  for (const host::ReleaseAsset& a : s.assets) {
    char line[160];
    std::snprintf(line, sizeof line, "  %-24s %9llu  sha256:%s\n", a.name.c_str(),
                  static_cast<unsigned long long>(a.size), a.sha256_hex.c_str());
    std::cout << line;
  }
  std::cout << "  release.json             " << (s.prerelease ? "prerelease (channel beta)" : "release (channel stable)")
            << ", manifest expires " << s.expires << "\n";
  if (s.signed_manifest) {
    std::cout << "  signed with key sha256:" << s.key_fingerprint << "\n";
  } else {
    std::cout << "  NOT signed (no --key): devices that require signatures will refuse this release\n";
  }
}

}  // namespace

void add_create_command(CLI::App& app, CommandContext&) {
  auto req = std::make_shared<host::ReleaseRequest>();
  auto image = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto key = std::make_shared<std::string>();
  auto notes = std::make_shared<std::string>();
  auto prerelease = std::make_shared<bool>(false);
  auto stable = std::make_shared<bool>(false);
  auto delta_from = std::make_shared<std::vector<std::string>>();
  auto bootloader = std::make_shared<std::string>();
  auto partitions = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand("create", "Make a release directory: image, signed manifest, SHA256SUMS, release.json");
  cmd->add_option("--image", *image, "The built app image (e.g. build/VT132.bin)")->required();
  with_tag_hint(cmd->add_option("--tag", req->tag, "Release tag; must equal the version inside the image (V1.8.0)"))
      ->required();
  cmd->add_option("--out", *out, "Directory to create (must not exist); appears complete or not at all")->required();
  cmd->add_option("--key", *key, "ECDSA P-256 private key (from `keygen`) to sign the manifest");
  cmd->add_option("--notes", *notes, "Release notes file (Markdown, UTF-8) for the release body");
  auto* pre = cmd->add_flag("--prerelease", *prerelease, "Mark as prerelease (default: when the tag has -beta.N etc.)");
  cmd->add_flag("--no-prerelease", *stable, "Mark as a normal release even if the tag has a prerelease part")->excludes(pre);
  cmd->add_option("--repo", req->repo, "OWNER/NAME, recorded in release.json as publish's default");
  cmd->add_option("--name", req->name, "Release title (default: the tag)");
  cmd->add_option("--asset-name", req->asset_name, "Name of the image asset")->capture_default_str();
  cmd->add_option("--chip", req->chip, "Chip the image must be for")->capture_default_str();
  cmd->add_option("--max-size", req->max_size, "Largest image accepted: the OTA slot size")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(uint32_t{1}, uint32_t{16u << 20}))
      ->capture_default_str();
  cmd->add_option("--expires", req->expires_days, "Days until devices refuse the manifest (freeze protection)")
      ->capture_default_str();
  cmd->add_flag("--stamp", req->stamp, "Write the tag's version into (a copy of) the image instead of refusing a mismatch");
  cmd->add_option("--delta-from", *delta_from,
                  "An earlier release (its directory, or its image) to make a delta patch from; repeat for\n"
                  "up to 3. Each becomes an asset <image stem>-from-<its version>.patch listed in the manifest")
      ->type_size(1)
      ->allow_extra_args(false);
  auto* bl = cmd->add_option("--bootloader", *bootloader,
                             "Second-stage bootloader (build/bootloader/bootloader.bin): adds FIRMWARE.zip for\n"
                             "first-time flashing with esptool (bootloader, table, app, factory image, flash_args,\n"
                             "FLASHING.md)");
  cmd->add_option("--partitions", *partitions, "With --bootloader: the partition table, CSV or binary (default: the VT132 layout)")
      ->needs(bl);
  cmd->footer(
      "The image is checked as `verify` does; a tag that differs from the image's version is refused\n"
      "(message shows both) unless --stamp. The manifest binds name, version, secure_version, chip,\n"
      "size, SHA-256, channel and expiry; with --key it is signed so that\n"
      "  openssl dgst -sha256 -verify KEY.pub.pem -signature vt132-manifest.json.sig vt132-manifest.json\n"
      "prints \"Verified OK\". Format: docs/manifest.md.\n"
      "With --delta-from, devices running that release download only the patch (docs/delta.md);\n"
      "devices without delta support ignore the listing and install the full image as before.\n"
      "With --bootloader, FIRMWARE.zip holds what a first flash over USB needs, its offsets taken\n"
      "from the partition table and its flash settings from the bootloader's header; the zip's\n"
      "bytes depend only on the inputs (docs/releasing.md, \"The flashing bundle\").\n"
      "Example: vt132-release create --image build/VT132.bin --tag V1.8.0 --key keys/release.pem \\\n"
      "           --notes CHANGES.md --repo thehighnibble/vt132 --out dist/V1.8.0 \\\n"
      "           --delta-from dist/V1.7.0 --delta-from dist/V1.6.2 \\\n"
      "           --bootloader build/bootloader/bootloader.bin");
  cmd->callback([=] {
    req->image = *image;
    req->out = *out;
    if (!key->empty()) req->key = *key;
    if (!notes->empty()) req->notes = *notes;
    if (*prerelease) req->prerelease = true;
    if (*stable) req->prerelease = false;
    req->delta_from.assign(delta_from->begin(), delta_from->end());
    if (!bootloader->empty()) req->bootloader = *bootloader;
    if (!partitions->empty()) req->partitions = *partitions;
    print_summary(host::create_release(*req));
  });
}

}  // namespace vt132::release
