// `partitions [TABLE] [-o OUT]`: ESP-IDF partition tables, CSV <-> binary.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/flash_layout.hpp"

namespace vt132::release {

namespace {
struct PartitionsOptions {
  std::string input;
  std::string out;
  uint64_t flash_size = core::kVt132FlashSize;
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

void add_partitions_command(CLI::App& app, CommandContext&) {
  auto opts = std::make_shared<PartitionsOptions>();
  CLI::App* cmd = app.add_subcommand("partitions", "Convert and check ESP-IDF partition tables (CSV <-> binary)");
  cmd->add_option("TABLE", opts->input, "A partition CSV or binary table; omitted: the VT132 layout");
  cmd->add_option("-o,--out", opts->out, "Write here: CSV if the name ends in .csv, else the binary table");
  cmd->add_option("--flash-size", opts->flash_size, "Flash size the table must fit")
      ->transform(CLI::AsSizeValue(false))
      ->check(CLI::Range(uint64_t{host::kMinFlashSize}, uint64_t{host::kMaxFlashSize}))
      ->capture_default_str();
  cmd->footer(
      "Without -o the table is printed as CSV. The input kind is told from its content. Every\n"
      "table is checked: alignment, overlaps, labels, OTA slots, the MD5 of a binary table.\n"
      "Examples:\n"
      "  vt132-release partitions                       # the VT132 layout as CSV\n"
      "  vt132-release partitions partitions.csv -o partitions.bin\n"
      "  vt132-release partitions partitions.bin        # a binary table back as CSV");
  cmd->callback([opts] {
    const auto flash = static_cast<uint32_t>(opts->flash_size);
    const core::PartitionTable table =
        opts->input.empty() ? core::vt132_default_partitions() : host::load_partition_table(opts->input, flash);
    if (opts->out.empty()) {
      std::cout << host::partition_table_csv(table);
    } else if (ends_with(opts->out, ".csv")) {
      host::write_file_atomic(opts->out, host::partition_table_csv(table));
    } else {
      const auto bin = host::partition_table_binary(table);
      host::write_file_atomic(opts->out, bin.data(), bin.size());
    }
  });
}

}  // namespace vt132::release
