// Fuzzes parse_partition_csv() with arbitrary text. A table that parses must format to a
// CSV that parses back to the same table, and formatting that CSV again must give the same
// text (the canonical form is a fixed point). Every error must have a bounded message.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "vt132/core/partition_csv.hpp"
#include "vt132/core/partition_table.hpp"

using namespace vt132::core;

namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

void check_message(const CsvProblem& problem) {
  char message[512];
  const size_t n = format_csv_problem(problem, message, sizeof message);
  require(n < sizeof message && message[n] == '\0');
  char tight[8];
  format_csv_problem(problem, tight, sizeof tight);
  require(std::memchr(tight, '\0', sizeof tight) != nullptr);
}

// 95 lines of at most ~100 characters each, plus the header.
constexpr size_t kCsvCap = 16 * 1024;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  PartitionTable table;
  CsvProblem problem;
  const CsvError e = parse_partition_csv(text, table, problem);
  check_message(problem);
  if (e != CsvError::Ok) return 0;

  PartitionProblem layout;
  require(validate_partition_table(table, 0, layout) == PartitionError::Ok);

  static char csv[kCsvCap];
  size_t length = 0;
  require(format_partition_csv(table, csv, sizeof csv, length, problem) == CsvError::Ok);
  require(length < sizeof csv && csv[length] == '\0');

  PartitionTable again;
  require(parse_partition_csv({csv, length}, again, problem) == CsvError::Ok);
  require(again == table);

  static char csv2[kCsvCap];
  size_t length2 = 0;
  require(format_partition_csv(again, csv2, sizeof csv2, length2, problem) == CsvError::Ok);
  require(length2 == length && std::memcmp(csv, csv2, length) == 0);

  // The binary form agrees too.
  static uint8_t bin[kPartitionTableSize];
  require(serialize_partition_table(table, bin, sizeof bin, layout) == PartitionError::Ok);
  PartitionTable from_bin;
  require(parse_partition_table({bin, sizeof bin}, from_bin, layout) == PartitionError::Ok);
  require(from_bin == table);
  return 0;
}
