// `factory --bootloader BIN --app IMG [--partitions T] -o FLASH.bin`: a whole flash image.
#include <cstdio>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/flash_layout.hpp"
#include "vt132/host/image_report.hpp"

namespace vt132::release {

namespace {
struct FactoryOptions {
  std::string bootloader;
  std::string app;
  std::string partitions;
  std::string out;
  uint64_t flash_size = core::kVt132FlashSize;
};
}  // namespace

void add_factory_command(CLI::App& app, CommandContext&) {
  auto opts = std::make_shared<FactoryOptions>();
  CLI::App* cmd = app.add_subcommand("factory", "Build a full flash image for first-time flashing");
  cmd->add_option("--bootloader", opts->bootloader, "Second-stage bootloader image (written at 0x1000)")->required();
  cmd->add_option("--app", opts->app, "App image (written into the first app partition)")->required();
  cmd->add_option("--partitions", opts->partitions, "Partition table, CSV or binary (default: the VT132 layout)");
  cmd->add_option("--flash-size", opts->flash_size, "Flash size: the image is exactly this long")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(uint64_t{host::kMinFlashSize}, uint64_t{host::kMaxFlashSize}))
      ->capture_default_str();
  cmd->add_option("-o,--out", opts->out, "Flash image to write")->required();
  cmd->footer(
      "Layout: bootloader at 0x1000, partition table at 0x8000, otadata erased (the bootloader then\n"
      "starts the first app), the app in the factory partition or else ota_0, 0xFF elsewhere: the\n"
      "bytes `esptool.py merge_bin --fill-flash-size` makes from the same inputs. Flash it with\n"
      "  esptool.py write_flash 0 FLASH.bin\n"
      "or boot it in the simulator: vt132-sim --flash dev.bin --init FLASH.bin\n"
      "Example: vt132-release factory --bootloader build/bootloader/bootloader.bin \\\n"
      "           --app build/VT132.bin -o VT132-factory.bin");
  cmd->callback([opts] {
    host::FactoryInputs in;
    in.flash_size = static_cast<uint32_t>(opts->flash_size);
    in.bootloader = host::read_file(opts->bootloader, host::kMaxImageFileSize);
    in.app = host::read_file(opts->app, host::kMaxImageFileSize);
    in.table = opts->partitions.empty() ? core::vt132_default_partitions()
                                        : host::load_partition_table(opts->partitions, in.flash_size);
    host::FactoryLayout layout{};
    const auto flash = host::build_factory_image(in, &layout);
    host::write_file_atomic(opts->out, flash.data(), flash.size());
    char line[160];
    std::snprintf(line, sizeof line, "%s: %zu bytes; bootloader at 0x1000, table at 0x8000, app in %s at 0x%x\n",
                  opts->out.c_str(), flash.size(), layout.app_partition.c_str(), layout.app_offset);
    std::cout << line;
  });
}

}  // namespace vt132::release
