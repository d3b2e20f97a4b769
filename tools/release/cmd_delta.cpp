// `delta OLD NEW -o PATCH` and `delta --apply OLD PATCH -o OUT`: delta patches (docs/delta.md).
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "commands.hpp"
#include "vt132/core/delta/patch_applier.hpp"
#include "vt132/core/sha256.hpp"
#include "vt132/host/delta_encoder.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/hex.hpp"
#include "vt132/host/patch_apply.hpp"

namespace vt132::release {

namespace {

namespace delta = vt132::core::delta;

struct DeltaOptions {
  std::string first;   // OLD image
  std::string second;  // NEW image, or the PATCH with --apply
  std::string out;
  bool apply = false;
};

std::string sha256_hex(const std::vector<uint8_t>& bytes) {
  const auto d = core::Sha256::of(bytes.data(), bytes.size());
  return host::to_hex(d.data(), d.size());
}

void refuse_overwriting(const std::string& input, const std::string& out) {
  if (host::same_file(input, out)) throw host::Error("refusing to overwrite the input " + input + "; choose another -o");
}

void make(const DeltaOptions& o) {
  refuse_overwriting(o.first, o.out);
  refuse_overwriting(o.second, o.out);
  const auto base = host::read_file(o.first, delta::kMaxPatchImageSize);
  const auto result = host::read_file(o.second, delta::kMaxPatchImageSize);
  host::PatchStats stats;
  const auto patch = host::make_patch(base, result, &stats);
  host::write_file_atomic(o.out, patch.data(), patch.size());
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.2f %%", result.empty() ? 0.0 : 100.0 * static_cast<double>(patch.size()) / static_cast<double>(result.size()));
  std::cout << o.out << ": " << patch.size() << " bytes, " << ratio << " of " << o.second << " (" << result.size()
            << " bytes)\n"
            << "  base   " << o.first << "  " << base.size() << " bytes  sha256:" << sha256_hex(base) << "\n"
            << "  result " << result.size() << " bytes  sha256:" << sha256_hex(result) << "\n"
            << "  " << stats.copy_bytes << " bytes copied, " << stats.add_bytes << " bytes base+difference, "
            << stats.literal_bytes << " bytes new, in " << stats.instructions << " instructions\n";
}

void apply(const DeltaOptions& o) {
  refuse_overwriting(o.first, o.out);
  refuse_overwriting(o.second, o.out);
  const auto base = host::read_file(o.first, delta::kMaxPatchImageSize);
  const auto patch = host::read_file(o.second, delta::kPatchHeaderSize + delta::kMaxPatchBodySize);
  const auto result = host::apply_patch(base, patch);
  host::write_file_atomic(o.out, result.data(), result.size());
  std::cout << o.out << ": " << result.size() << " bytes, sha256:" << sha256_hex(result)
            << " (size and SHA-256 match the patch header)\n"
            << "  applied as a device does: " << delta::kPatchApplierStateSize << " bytes of applier state, no heap\n";
}

}  // namespace

void add_delta_command(CLI::App& app, CommandContext&) {
  auto opts = std::make_shared<DeltaOptions>();
  CLI::App* cmd = app.add_subcommand("delta", "Make a delta patch from one image to the next, or apply one");
  cmd->add_option("OLD", opts->first, "The base image: the release devices run now")->required();
  cmd->add_option("NEW_OR_PATCH", opts->second, "The new image; with --apply, the patch")->required();
  cmd->add_option("-o,--out", opts->out, "The patch to write; with --apply, the image to write")->required();
  cmd->add_flag("--apply", opts->apply, "Apply the patch to OLD (with the device's own applier) instead");
  cmd->footer(
      "A patch holds only what changed: moved code is taken from OLD with its adjusted pointers as\n"
      "small differences. It names OLD and NEW by size and SHA-256, so it applies to exactly that OLD\n"
      "and makes exactly NEW, or fails (\"base image differs from the one the patch was made for\").\n"
      "Outputs are written atomically. Format: docs/delta.md.\n"
      "Examples:\n"
      "  vt132-release delta dist/V1.7.0/VT132.bin build/VT132.bin -o VT132-from-V1.7.0.patch\n"
      "  vt132-release delta --apply dist/V1.7.0/VT132.bin VT132-from-V1.7.0.patch -o check.bin\n"
      "`create --delta-from` makes such patches and lists them in the signed manifest.");
  cmd->callback([opts] { opts->apply ? apply(*opts) : make(*opts); });
}

}  // namespace vt132::release
