#include "vt132/host/flash_layout.hpp"

#include <algorithm>

#include "vt132/core/app_image.hpp"
#include "vt132/core/partition_csv.hpp"
#include "vt132/host/error.hpp"
#include "vt132/host/file_io.hpp"
#include "vt132/host/image_report.hpp"

namespace vt132::host {
namespace core = vt132::core;

namespace {

constexpr size_t kMaxCsvFileSize = 64 * 1024;

std::string csv_problem_text(const core::CsvProblem& p) {
  char buf[256];
  core::format_csv_problem(p, buf, sizeof buf);
  return buf;
}

std::string table_problem_text(const core::PartitionProblem& p) {
  char buf[256];
  core::format_partition_problem(p, buf, sizeof buf);
  return buf;
}

bool looks_binary(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 2 && core::load_le16(bytes.data()) == core::kPartitionMagic;
}

// Checks an image as the bootloader would before copying it into a flash region.
core::ImageInfo check_image(const std::vector<uint8_t>& bytes, const char* what, bool app, uint32_t room) {
  core::ImagePolicy policy;
  policy.expected_chip = core::kChipEsp32;
  policy.require_app_desc = app;
  policy.require_hash = app;
  policy.max_size = room;
  const ImageReport report = examine_image(bytes, policy);
  if (!report.valid()) throw Error(std::string(what) + ": " + report.problem_text());
  return report.info;
}

}  // namespace

core::PartitionTable load_partition_table(const std::filesystem::path& file, uint32_t flash_size) {
  const auto bytes = read_file(file, std::max<size_t>(kMaxCsvFileSize, core::kPartitionTableSize));
  core::PartitionTable table;
  if (looks_binary(bytes)) {
    core::PartitionProblem problem;
    if (core::parse_partition_table(core::ByteView{bytes.data(), bytes.size()}, table, problem) !=
            core::PartitionError::Ok ||
        core::validate_partition_table(table, flash_size, problem) != core::PartitionError::Ok) {
      throw Error(file.string() + ": " + table_problem_text(problem));
    }
    return table;
  }
  core::CsvProblem problem;
  core::CsvOptions options;
  options.flash_size = flash_size;
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (core::parse_partition_csv(text, table, problem, options) != core::CsvError::Ok) {
    throw Error(file.string() + ": " + csv_problem_text(problem));
  }
  return table;
}

std::vector<uint8_t> partition_table_binary(const core::PartitionTable& table) {
  std::vector<uint8_t> out(core::kPartitionTableSize);
  core::PartitionProblem problem;
  if (core::serialize_partition_table(table, out.data(), out.size(), problem) != core::PartitionError::Ok) {
    throw Error("cannot write the partition table: " + table_problem_text(problem));
  }
  return out;
}

std::string partition_table_csv(const core::PartitionTable& table) {
  std::string out(16 * 1024, '\0');
  size_t length = 0;
  core::CsvProblem problem;
  if (core::format_partition_csv(table, out.data(), out.size(), length, problem) != core::CsvError::Ok) {
    throw Error("cannot write the partition table as CSV: " + csv_problem_text(problem));
  }
  out.resize(length);
  return out;
}

std::vector<uint8_t> build_factory_image(const FactoryInputs& in, FactoryLayout* layout) {
  if (in.flash_size < kMinFlashSize || in.flash_size > kMaxFlashSize) {
    throw Error("flash size " + std::to_string(in.flash_size) + " is not between 1 MB and 128 MB");
  }
  core::PartitionProblem problem;
  if (core::validate_partition_table(in.table, in.flash_size, problem) != core::PartitionError::Ok) {
    throw Error("partition table: " + table_problem_text(problem));
  }
  const core::PartitionEntry* slot = core::find_partition(in.table, core::kPartTypeApp, core::kAppSubtypeFactory);
  if (slot == nullptr) slot = core::find_ota_slot(in.table, 0);
  if (slot == nullptr) throw Error("partition table has neither a factory app nor an ota_0 partition");

  check_image(in.bootloader, "bootloader", false, core::kPartitionTableOffset - kBootloaderOffset);
  check_image(in.app, "app", true, slot->size);

  std::vector<uint8_t> flash(in.flash_size, 0xFF);
  std::copy(in.bootloader.begin(), in.bootloader.end(), flash.begin() + kBootloaderOffset);
  const auto table = partition_table_binary(in.table);
  std::copy(table.begin(), table.end(), flash.begin() + core::kPartitionTableOffset);
  // otadata stays erased: no valid entry means "boot the first app", as after idf.py flash.
  std::copy(in.app.begin(), in.app.end(), flash.begin() + slot->offset);
  if (layout != nullptr) *layout = {slot->offset, slot->label};
  return flash;
}

}  // namespace vt132::host
