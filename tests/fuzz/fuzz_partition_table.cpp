// Fuzzes parse_partition_table() with arbitrary bytes, padded with 0xFF (erased flash) or
// cut to the 0xC00-byte table area, and again with the MD5 entry repaired. Checks the invariants callers rely on: no crash, a
// message for every error, and for a table that parses and validates, serialize -> parse
// gives the same table and the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "vt132/core/md5.hpp"
#include "vt132/core/partition_table.hpp"

using namespace vt132::core;

namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

void check_message(const PartitionProblem& problem) {
  char message[256];
  const size_t n = format_partition_problem(problem, message, sizeof message);
  require(n < sizeof message && message[n] == '\0');
  char tight[8];
  format_partition_problem(problem, tight, sizeof tight);
  require(std::memchr(tight, '\0', sizeof tight) != nullptr);
}

void check_lookups(const PartitionTable& t) {
  size_t slots = 0;
  for (size_t slot = 0; slot < kMaxOtaSlots; ++slot) {
    if (find_ota_slot(t, slot) != nullptr) ++slots;
  }
  require(slots == ota_app_count(t));  // validated: ota_0..ota_{n-1}, each once
  for (size_t i = 0; i < t.count; ++i) {
    require(find_partition(t, t.entries[i].label) == &t.entries[i]);  // labels unique
  }
}

void round_trip(const uint8_t* area, bool require_md5) {
  PartitionParseOptions options;
  options.require_md5 = require_md5;
  PartitionTable table;
  PartitionProblem problem;
  const PartitionError e = parse_partition_table({area, kPartitionTableSize}, table, problem, options);
  check_message(problem);
  if (e != PartitionError::Ok) return;
  require(table.count <= kMaxPartitions);

  const PartitionError v = validate_partition_table(table, 0, problem);
  check_message(problem);
  if (v != PartitionError::Ok) return;
  check_lookups(table);

  static uint8_t bytes[kPartitionTableSize];
  require(serialize_partition_table(table, bytes, sizeof bytes, problem) == PartitionError::Ok);
  PartitionTable again;
  require(parse_partition_table({bytes, sizeof bytes}, again, problem) == PartitionError::Ok);
  require(again == table);
  // With an MD5 entry the encoding is canonical, so the input comes back byte for byte.
  if (require_md5) require(std::memcmp(bytes, area, kPartitionTableSize) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static uint8_t area[kPartitionTableSize];
  const size_t n = size < sizeof area ? size : sizeof area;
  std::memset(area, 0xFF, sizeof area);
  if (n > 0) std::memcpy(area, data, n);
  round_trip(area, true);
  round_trip(area, false);

  // Mutated entries almost never keep a matching MD5; fix it up so the layout checks and
  // the round trip see arbitrary entries under the default (MD5 required) rules too.
  PartitionTable table;
  PartitionProblem problem;
  if (parse_partition_table({area, sizeof area}, table, problem) == PartitionError::Md5Mismatch) {
    const Md5Digest digest = Md5::of(area, problem.byte_offset);
    std::memcpy(area + problem.byte_offset + 16, digest.data(), digest.size());
    round_trip(area, true);
  }

  // The raw input as given (shorter inputs must fail cleanly as truncated, not read past).
  parse_partition_table({data, size}, table, problem);
  check_message(problem);
  return 0;
}
