// vt132-release: the maintainer's tool for VT132 firmware releases.
#include <cstdio>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "vt132/cli/usage.hpp"

#include "commands.hpp"
#include "vt132/host/error.hpp"

namespace {

// CLI11 reports a mistyped command as "A subcommand is required"; name it and the commands
// instead. The first argument that is not an option must be a command: the top level has
// only flags (--help, --version).
bool unknown_command(const CLI::App& app, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.empty() || arg[0] == '-') continue;
    std::string known;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
      if (sub->get_name() == arg) return false;
      known += (known.empty() ? "" : ", ") + sub->get_name();
    }
    std::fprintf(stderr, "vt132-release: unknown command \"%s\" (commands: %s)\nRun with --help for more information.\n",
                 arg.c_str(), known.c_str());
    return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "vt132-release: inspect, check, stamp, sign and publish VT132 (ESP32) firmware releases.\n"
      "A release's tag must equal the version inside its image; these commands keep it so.",
      "vt132-release"};
  app.set_version_flag("--version", std::string("vt132-release ") + VT132_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Typical flow after `idf.py build`:\n"
      "  vt132-release inspect build/VT132.bin          what is inside the image\n"
      "  vt132-release verify build/VT132.bin --chip esp32 --max-size 0x140000\n"
      "  vt132-release stamp build/VT132.bin --version V1.8.0 -o VT132-V1.8.0.bin\n"
      "  vt132-release keygen --out keys/release.pem    once: the signing key pair\n"
      "  vt132-release create --image build/VT132.bin --tag V1.8.0 --key keys/release.pem --out dist/V1.8.0\n"
      "Run `vt132-release COMMAND --help` for each command's options.\n"
      "Exit status: 0 success, 1 the image or operation failed, 2 bad usage.");

  vt132::release::CommandContext ctx;
  vt132::release::add_inspect_command(app, ctx);
  vt132::release::add_verify_command(app, ctx);
  vt132::release::add_stamp_command(app, ctx);
  vt132::release::add_keygen_command(app, ctx);
  vt132::release::add_create_command(app, ctx);
  vt132::release::add_certs_command(app, ctx);
  vt132::release::add_publish_command(app, ctx);
  vt132::release::add_partitions_command(app, ctx);
  vt132::release::add_factory_command(app, ctx);
  vt132::release::add_delta_command(app, ctx);
  vt132::release::add_renew_command(app, ctx);
  vt132::release::add_yank_command(app, ctx);
  vt132::release::add_status_command(app, ctx);

  if (unknown_command(app, argc, argv)) return 2;
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return vt132::cli::usage_exit(app, e);
  } catch (const vt132::host::Error& e) {
    std::fprintf(stderr, "vt132-release: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vt132-release: internal error: %s\n", e.what());
    return 1;
  }
  return ctx.exit_code;
}
