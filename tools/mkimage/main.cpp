// vt132-mkimage: writes a synthetic ESP32 app image for demos, tests and benchmarks.
// The image is valid in every field a tool or OTA client checks, but its code is random
// bytes: it never runs on hardware.
#include <cstdio>
#include <iostream>
#include <stdexcept>

#include <CLI/CLI.hpp>

#include "vt132/cli/usage.hpp"

#include "vt132/core/app_image.hpp"
#include "vt132/core/version.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/image_builder.hpp"

namespace {

// What keeps `text` from being the app descriptor's version ("" when nothing does): its
// length, and unless `any` it must be a version the release tools accept.
std::string version_problem(const std::string& text, bool any) {
  vt132::core::Version parsed;
  const vt132::core::VersionError err = vt132::core::parse_version(text, parsed);
  if (!any && err != vt132::core::VersionError::Ok) {
    char buf[160];
    vt132::core::format_version_error(text, err, buf, sizeof buf);
    return buf;
  }
  if (text.size() >= vt132::core::kAppVersionFieldSize) {
    return "\"" + vt132::host::printable(text) + "\" does not fit the app descriptor's " +
           std::to_string(vt132::core::kAppVersionFieldSize - 1) + "-character version field";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vt132-mkimage: write a synthetic ESP32 app image (for demos and tests; not runnable)",
               "vt132-mkimage"};
  app.set_version_flag("--version-info", std::string("vt132-mkimage ") + VT132_VERSION);
  vt132::host::ImageSpec spec;
  std::string out;
  std::string chip = "esp32";
  uint64_t size = 64 * 1024;
  bool no_hash = false;
  bool bootloader = false;
  std::string next_of;
  vt132::host::NextReleaseSpec next;
  app.add_option("-o,--out", out, "Output file")->required();
  bool any_version = false;
  app.add_option("--version", spec.version, "Version in the app descriptor, as a release tag (V1.8.0)")
      ->capture_default_str();
  app.add_flag("--any-version", any_version,
               "Write --version as given even when it is no version (up to 31 bytes): hostile images for tests");
  app.add_option("--project", spec.project_name, "Project name in the app descriptor")->capture_default_str();
  app.add_option("--secure-version", spec.secure_version, "Anti-rollback counter")->capture_default_str();
  app.add_option("--idf-version", spec.idf_ver, "IDF version string")->capture_default_str();
  app.add_option("--chip", chip, "Chip the image is for (esp32, esp32s3, ...)")->capture_default_str();
  app.add_option("--size", size, "Approximate total size, e.g. 1100K (six segments like a VT132 build)")
      ->transform(CLI::AsSizeValue(false))
      ->capture_default_str();
  app.add_option("--seed", spec.seed, "Seed of the pseudo-random segment bytes (or of the --next-of edits)")
      ->capture_default_str();
  auto* no_hash_flag = app.add_flag("--no-hash", no_hash, "Do not append the SHA-256 (as images built without it)");
  auto* bootloader_flag =
      app.add_flag("--bootloader", bootloader, "A bootloader-like image: no app descriptor (for `factory`)");
  app.add_flag("--code-like", spec.code_like,
               "Bytes shaped like a real build (code with literal pools of pointers, strings, tables)\n"
               "instead of uniform random ones: what delta patches are measured on");
  auto* next_opt = app.add_option("--next-of", next_of,
                                  "Make the next release of this image instead: code inserted and removed inside\n"
                                  "segments, pointers into moved code adjusted, strings, version and build time changed");
  next_opt->excludes(no_hash_flag)->excludes(bootloader_flag);
  app.add_option("--edits", next.edits, "With --next-of: places where code is inserted or removed")
      ->needs(next_opt)
      ->check(CLI::Range(0u, 10000u))
      ->capture_default_str();
  app.add_option("--growth", next.growth, "With --next-of: bytes of new code added to the largest segment")
      ->needs(next_opt)
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(0u, 1u << 20))
      ->capture_default_str();
  app.footer("Examples:\n  vt132-mkimage --version V1.0.0 --size 1100K -o VT132.bin\n"
             "  vt132-mkimage --bootloader --size 24K -o bootloader.bin\n"
             "  vt132-mkimage --code-like --version V1.7.0 --size 1100K -o V1.7.0.bin\n"
             "  vt132-mkimage --next-of V1.7.0.bin --version V1.8.0 --seed 2 -o V1.8.0.bin   (a delta test pair)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return vt132::cli::usage_exit(app, e);
  }
  if (const std::string problem = version_problem(spec.version, any_version); !problem.empty()) {
    std::fprintf(stderr, "vt132-mkimage: --version %s\n", problem.c_str());
    return 2;
  }

  try {
    if (!vt132::core::chip_id_from_name(chip.c_str(), spec.chip_id)) {
      throw vt132::host::Error("unknown chip \"" + chip + "\" (known: " + vt132::core::known_chip_names() + ")");
    }
    if (size < 1024 || size > 8u << 20) throw vt132::host::Error("--size must be between 1K and 8M");
    if (!next_of.empty()) {
      next.version = spec.version;
      next.seed = spec.seed;
      const auto image = vt132::host::build_next_release(vt132::host::read_file(next_of, 16u << 20), next);
      vt132::host::write_file_atomic(out, image.data(), image.size());
      std::cout << out << ": " << spec.version << ", " << image.size() << " bytes, the next release of " << next_of
                << "\n";
      return 0;
    }
    spec.hash_appended = !no_hash;
    spec.with_app_desc = !bootloader;
    spec.segments = vt132::host::ImageSpec::vt132_like_segments(static_cast<uint32_t>(size));
    const auto image = vt132::host::build_image(spec);
    vt132::host::write_file_atomic(out, image.data(), image.size());
    std::cout << out << ": " << spec.version << ", " << image.size() << " bytes\n";
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vt132-mkimage: %s\n", e.what());
    return 1;
  }
  return 0;
}
