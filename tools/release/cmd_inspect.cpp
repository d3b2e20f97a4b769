// `inspect IMAGE [--json]`: everything esptool's image_info shows, and the app descriptor.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/image_report.hpp"

namespace vt132::release {

namespace {
struct InspectOptions {
  std::string image;
  bool json = false;
};
}  // namespace

void add_inspect_command(CLI::App& app, CommandContext& ctx) {
  auto opts = std::make_shared<InspectOptions>();
  CLI::App* cmd = app.add_subcommand("inspect", "Show what is inside an ESP32 app image");
  cmd->add_option("IMAGE", opts->image, "App image file (e.g. build/VT132.bin)")->required();
  cmd->add_flag("--json", opts->json, "Print a JSON object instead of text");
  cmd->footer(
      "Shows size, chip, SPI mode/speed/flash size, entry point, segments, the checksum, both\n"
      "SHA-256s (the one appended inside the image, stored vs computed, and the whole file's, which\n"
      "manifests and SHA256SUMS name) and the app descriptor (version, project, build time, IDF\n"
      "version, secure_version). A damaged image is shown as far as it can be read,\n"
      "with its first problem; the exit status is 1 when it could not be read to the end.\n"
      "Example: vt132-release inspect build/VT132.bin --json | jq .app.version");
  cmd->callback([opts, &ctx] {
    const auto bytes = host::read_file(opts->image, host::kMaxImageFileSize);
    core::ImagePolicy policy;
    policy.require_hash = false;  // reported, not required: inspect shows what is there
    const host::ImageReport report = host::examine_image(bytes, policy);
    if (opts->json) {
      std::cout << host::report_to_json(report).dump(2) << "\n";
    } else {
      std::cout << host::report_to_text(report, opts->image);
    }
    if (!report.complete()) ctx.exit_code = 1;
  });
}

}  // namespace vt132::release
