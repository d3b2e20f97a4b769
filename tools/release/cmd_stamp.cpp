// `stamp IMAGE --version V [--secure-version N] -o OUT`: write a release version into an image.
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "tag_option.hpp"
#include "vt132/core/app_image.hpp"
#include "vt132/core/version.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/image_report.hpp"

namespace vt132::release {

namespace {
struct StampOptions {
  std::string image;
  std::string version;
  int64_t secure_version = core::kKeepSecureVersion;
  std::string out;
};

void check_version(const std::string& text) {
  core::Version parsed;
  const core::VersionError err = core::parse_version(text, parsed);
  if (err != core::VersionError::Ok) {
    char buf[160];
    core::format_version_error(text, err, buf, sizeof buf);
    throw host::Error(buf);
  }
  if (text.size() >= core::kAppVersionFieldSize) {
    throw host::Error("version \"" + text + "\" is " + std::to_string(text.size()) +
                      " characters; the image's version field holds at most " +
                      std::to_string(core::kAppVersionFieldSize - 1));
  }
}
}  // namespace

void add_stamp_command(CLI::App& app, CommandContext&) {
  auto opts = std::make_shared<StampOptions>();
  CLI::App* cmd = app.add_subcommand("stamp", "Write a version (and secure_version) into a copy of an image");
  cmd->add_option("IMAGE", opts->image, "App image file to read (never modified)")->required();
  with_tag_hint(cmd->add_option("--version", opts->version, "Version to write, as the release tag: V1.8.0, V1.9.0-beta.1"))
      ->required();
  cmd->add_option("--secure-version", opts->secure_version,
                  "Anti-rollback counter to write (0..4294967295); unchanged when omitted")
      ->check(CLI::Range(int64_t{0}, int64_t{0xFFFFFFFF}));
  cmd->add_option("-o,--out", opts->out, "Where to write the stamped image (not the input file)")->required();
  cmd->footer(
      "The input must be a valid image; the copy gets the new version in its app descriptor and\n"
      "a recomputed checksum and SHA-256. The output is written atomically.\n"
      "Example: vt132-release stamp build/VT132.bin --version V1.8.0 -o dist/VT132.bin");
  cmd->callback([opts] {
    check_version(opts->version);
    if (host::same_file(opts->image, opts->out)) {
      throw host::Error("refusing to overwrite the input image " + opts->image + "; choose another -o");
    }
    auto bytes = host::read_file(opts->image, host::kMaxImageFileSize);
    core::ImageProblem problem;
    const core::ImageInfo before = host::examine_image(bytes, core::ImagePolicy{}).info;
    if (core::stamp_image(bytes.data(), bytes.size(), opts->version.c_str(), opts->secure_version, problem) !=
        core::ImageError::Ok) {
      char buf[256];
      core::format_image_problem(problem, buf, sizeof buf);
      throw host::Error(opts->image + ": cannot stamp: " + buf);
    }
    host::write_file_atomic(opts->out, bytes.data(), bytes.size());
    const host::ImageReport after = host::examine_image(bytes, core::ImagePolicy{});
    std::cout << opts->out << ": " << host::printable(before.app.version) << " -> "
              << host::printable(after.info.app.version) << ", secure_version " << after.info.app.secure_version
              << ", sha256 " << host::to_hex(after.info.file_sha256.data(), 32) << "\n";
  });
}

}  // namespace vt132::release
