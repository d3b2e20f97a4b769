// vt132-release: the maintainer's tool for VT132 firmware releases.
#include <cstdio>
#include <exception>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "vt132/host/error.hpp"

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  } catch (const vt132::host::Error& e) {
    std::fprintf(stderr, "vt132-release: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vt132-release: internal error: %s\n", e.what());
    return 1;
  }
  return ctx.exit_code;
}
