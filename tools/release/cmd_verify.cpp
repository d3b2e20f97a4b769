// `verify IMAGE [--chip esp32] [--max-size BYTES]`: exit 0 for an image a device would take.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "vt132/core/app_image.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/image_report.hpp"

namespace vt132::release {

namespace {
struct VerifyOptions {
  std::string image;
  std::string chip;
  uint64_t max_size = 0;
};

core::ImagePolicy policy_from(const VerifyOptions& opts) {
  core::ImagePolicy policy;
  if (!opts.chip.empty()) {
    uint16_t id = 0;
    if (!core::chip_id_from_name(opts.chip.c_str(), id)) {
      throw host::Error("unknown chip \"" + opts.chip + "\" (known: " + core::known_chip_names() + ")");
    }
    policy.expected_chip = id;
  }
  if (opts.max_size > 0) policy.max_size = opts.max_size;
  return policy;
}
}  // namespace

void add_verify_command(CLI::App& app, CommandContext& ctx) {
  auto opts = std::make_shared<VerifyOptions>();
  CLI::App* cmd = app.add_subcommand("verify", "Check an app image as the device will before accepting it");
  cmd->add_option("IMAGE", opts->image, "App image file")->required();
  cmd->add_option("--chip", opts->chip, "Require this chip (esp32 for the VT132)");
  cmd->add_option("--max-size", opts->max_size,
                  "Refuse images larger than this many bytes, e.g. the OTA partition: 0x140000, 1280K")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(uint64_t{1}, uint64_t{host::kMaxImageFileSize}));
  cmd->footer(
      "Checks, in file order: magic, segment count and lengths, that every segment fits the file,\n"
      "the chip, the size limit, the app descriptor, the checksum byte and the appended SHA-256.\n"
      "Prints one line: the image's version and SHA-256 when valid (exit 0), otherwise the first\n"
      "problem with its file offset (exit 1), e.g.\n"
      "  VT132.bin: segment 3 overruns file: 720896 bytes declared at offset 0x4c2a0, ...\n"
      "Example: vt132-release verify VT132.bin --chip esp32 --max-size 0x140000");
  cmd->callback([opts, &ctx] {
    const core::ImagePolicy policy = policy_from(*opts);
    const auto bytes = host::read_file(opts->image, host::kMaxImageFileSize);
    const host::ImageReport report = host::examine_image(bytes, policy);
    if (!report.valid()) {
      std::cerr << opts->image << ": " << report.problem_text() << "\n";
      ctx.exit_code = 1;
      return;
    }
    // The whole file's SHA-256: the one sha256sum, SHA256SUMS and the manifest show.
    std::cout << opts->image << ": valid " << core::chip_name(report.info.header.chip_id) << " app image "
              << host::printable(report.info.app.version) << ", " << bytes.size() << " bytes, sha256 "
              << host::to_hex(report.info.file_sha256.data(), 32) << "\n";
  });
}

}  // namespace vt132::release
