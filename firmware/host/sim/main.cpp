// vt132-sim: the VT132 'AT' modem firmware on Linux. See docs/vt132-sim.md.
#include <CLI/CLI.hpp>

#include "vt132/cli/usage.hpp"

#include "sim/simulator.hpp"

int main(int argc, char** argv) {
  vt132::hostport::SimOptions o;
  CLI::App app{"vt132-sim: a simulated VT132 Wi-Fi modem with OTA updates.\n"
               "Type AT commands on stdin (or on the --pty device). kill -USR1 <pid> presses reset."};
  app.add_option("--flash", o.flash, "4 MiB flash file (created blank if missing)")->required();
  app.add_option("--init", o.init_factory, "load a factory image (vt132-release factory) into the flash first");
  app.add_option("--init-app", o.init_app, "lay out a factory flash with this app image in app0 first");
  app.add_option("--nvs", o.nvs, "settings file (default FLASH.nvs)");
  app.add_option("--efuse", o.efuse, "anti-rollback counter file (default FLASH.efuse)");
  app.add_option("--ca", o.ca_files, "trust this CA certificate PEM for HTTPS (repeatable)");
  app.add_option("--pubkey", o.pubkey, "release public key PEM; updates then need a valid signature");
  app.add_flag("--pty", o.pty, "serial on a new pseudo-terminal; its path is printed on stdout");
  app.add_option("--power-cut-after", o.power_cut_after, "die during the Nth flash erase/write (exit 75)");
  app.add_flag("--wifi-fail", o.wifi_fail, "joining Wi-Fi fails (NO DIALTONE paths)");
  app.add_flag("--crash-new-image", o.crash_new_image, "a newly installed image crashes before confirming itself");
  app.add_flag("--heap-log", o.heap_log, "after each command, print the core's heap use on stderr");
  app.add_flag("--flash-stats", o.flash_stats, "print the number of flash operations on exit");
  app.add_option("--net-timeout", o.net_timeout_ms, "network read timeout in ms (default 10000)");
  // The OTA transfer rules (docs/ota-commands.md), settable so tests need not take minutes.
  app.add_option("--min-rate", o.transfer.min_rate, "OTA: least bytes/s averaged over each window")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--rate-window", o.transfer.window_ms, "OTA: that window, in ms")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--deadline-rate", o.transfer.deadline_rate,
                 "OTA: a transfer must end within --deadline-base plus its size at this many bytes/s")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--deadline-base", o.transfer.deadline_base_ms, "OTA: see --deadline-rate, in ms")
      ->capture_default_str();
  app.add_option("--asset-name", o.asset_name, "image asset name in releases (default VT132.bin)");
  app.add_option("--mac", o.mac,
                 "the board's Wi-Fi MAC, e.g. 24:0a:c4:12:34:56 (default: derived from the --flash path, so "
                 "each flash file is its own board)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return vt132::cli::usage_exit(app, e);
  }
  if (!o.init_factory.empty() && !o.init_app.empty()) {
    std::fprintf(stderr, "vt132-sim: --init and --init-app exclude each other\n");
    return 2;
  }
  return vt132::hostport::run_simulator(o);
}
