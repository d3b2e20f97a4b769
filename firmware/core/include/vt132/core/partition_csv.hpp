#pragma once
// The ESP-IDF partition CSV (the human form of the partition table) <-> PartitionTable.
//
//   # Name, Type, SubType, Offset, Size, Flags
//   nvs,      data, nvs,     0x9000,  0x5000
//   app0,     app,  ota_0,   ,        1M
//
// One partition per line; '#' starts a comment line; blank lines are skipped; fields are
// trimmed of spaces and tabs. Five fields, or six with Flags (an empty sixth is fine).
//   Type:    app | data | a number 0..255
//   SubType: for app: factory, test, ota_0..ota_15; for data: ota, phy, nvs, coredump,
//            nvs_keys, efuse, undefined, esphttpd, fat, spiffs, littlefs; or a number 0..255
//            (the only choice for other types)
//   Offset:  number, or empty: right after the previous partition (the first one: after the
//            table, 0x9000), rounded up to 64 KiB for apps and 4 KiB for the rest
//   Size:    number, required
//   Flags:   empty, or encrypted / readonly joined with ':'
// Numbers are decimal or 0x-hex, optionally followed by K (x1024) or M (x1024 x1024).
// Names are matched case-insensitively.
//
// The input is untrusted: lines are bounded, the partition count is bounded, and every
// error names its line. The parsed table is also validated (validate_partition_table), so
// a table that parses is one the layout rules accept.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vt132/core/partition_table.hpp"

namespace vt132::core {

constexpr size_t kMaxCsvLineLength = 256;  // bytes, without the line break
constexpr size_t kCsvTokenSize = 32;       // bytes of the offending field kept for messages

enum class CsvField { None, Name, Type, SubType, Offset, Size, Flags };

enum class CsvError {
  Ok,
  LineTooLong,        // more than kMaxCsvLineLength bytes
  ControlCharacter,   // a byte below 0x20 (other than tab and CR) or 0x7F: not a text file
  TooFewFields,       // fewer than 5
  TooManyFields,      // more than 6
  BadName,            // empty, longer than 16 bytes or an unsafe character (see check_label)
  UnknownType,
  UnknownSubtype,     // not a name known for this type (names need type app or data)
  BadNumber,          // offset/size/type/subtype is not a number we understand
  NumberTooLarge,     // beyond 32 bits (type/subtype: beyond 255)
  MissingSubtype,
  MissingSize,
  UnknownFlag,
  TooManyPartitions,  // more than kMaxPartitions
  NoPartitions,       // nothing but comments and blank lines
  Layout,             // the table breaks a layout rule; see CsvProblem::layout
  // format_partition_csv only:
  Unrepresentable,    // a label or flags the CSV cannot express; see CsvProblem::layout
  BufferTooSmall,
};

struct CsvProblem {
  CsvError error = CsvError::Ok;
  size_t line = 0;                   // 1-based; 0 when not tied to a line
  size_t column = 0;                 // 1-based, for LineTooLong / ControlCharacter
  CsvField field = CsvField::None;   // which field was wrong
  char token[kCsvTokenSize + 1] = {};  // that field as written, cut to kCsvTokenSize bytes
  bool token_cut = false;
  uint64_t value = 0;                // offending byte / count / number where useful
  PartitionProblem layout;           // for Layout and Unrepresentable
};

struct CsvOptions {
  uint32_t flash_size = 0;  // validate against this flash size; 0 = unbounded
};

// Parses `text` into `out` (written only on success).
CsvError parse_partition_csv(std::string_view text, PartitionTable& out, CsvProblem& problem,
                             const CsvOptions& options = {});

// Writes the canonical CSV: a "# Name, Type, SubType, Offset, Size, Flags" header, then
// one line per partition with names for known types/subtypes, 0x-hex offsets and sizes,
// columns aligned, and a Flags column only on lines that have flags. NUL-terminated.
// On success `length` is the number of characters (without the NUL). Fails with
// BufferTooSmall, or Unrepresentable if a label fails check_label() or flags has unknown
// bits (so that parsing the output gives back the same table). Does not validate layout.
CsvError format_partition_csv(const PartitionTable& table, char* out, size_t cap, size_t& length,
                              CsvProblem& problem);

// Names as the CSV writes them; nullptr when the value has no name.
const char* partition_type_name(uint8_t type);
const char* partition_subtype_name(uint8_t type, uint8_t subtype);

// One line for a user, e.g. `line 4: unknown subtype "ota_99"` or
// `line 7: partition 3 ("app1") overlaps partition 2 ("app0")`. Returns the length
// written (truncated to cap - 1, NUL-terminated when cap > 0).
size_t format_csv_problem(const CsvProblem& problem, char* out, size_t cap);

}  // namespace vt132::core
