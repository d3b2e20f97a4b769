#pragma once
// ESP32 partition table: the binary form the bootloader reads at flash 0x8000, its layout
// rules, and lookups the OTA code needs (OTA slots, otadata).
//
// Reading is two steps, so that a host tool can still show a table whose layout is wrong:
// parse_partition_table() checks the *encoding* (magic numbers, MD5, label bytes) and
// validate_partition_table() checks the *layout* (alignment, overlaps, labels...). Code
// that is going to act on a table must run both.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "vt132/core/bytes.hpp"

namespace vt132::core {

constexpr uint32_t kPartitionTableOffset = 0x8000;
constexpr size_t kPartitionTableSize = 0xC00;  // the area the bootloader reads
constexpr size_t kPartitionEntrySize = 32;
// 0xC00 / 32 = 96 slots, one of which the MD5 entry needs.
constexpr size_t kMaxPartitions = kPartitionTableSize / kPartitionEntrySize - 1;
constexpr size_t kPartitionLabelSize = 16;  // bytes in the binary entry; no NUL needed
constexpr uint16_t kPartitionMagic = 0x50AA;
constexpr uint16_t kPartitionMd5Magic = 0xEBEB;
constexpr uint16_t kPartitionEndMagic = 0xFFFF;  // erased flash
// The table's 4 KiB sector ends here; nothing may be placed below.
constexpr uint32_t kFirstPartitionOffset = kPartitionTableOffset + 0x1000;
constexpr uint32_t kAppAlignment = 0x10000;   // the flash MMU maps apps in 64 KiB pages
constexpr uint32_t kDataAlignment = 0x1000;   // one flash erase sector
constexpr uint32_t kOtadataSize = 0x2000;     // two sectors, one select entry each
constexpr size_t kMaxOtaSlots = 16;           // ota_0 .. ota_15

// Types.
constexpr uint8_t kPartTypeApp = 0x00;
constexpr uint8_t kPartTypeData = 0x01;
// App subtypes.
constexpr uint8_t kAppSubtypeFactory = 0x00;
constexpr uint8_t kAppSubtypeOta0 = 0x10;  // ota_N = 0x10 + N
constexpr uint8_t kAppSubtypeTest = 0x20;
// Data subtypes.
constexpr uint8_t kDataSubtypeOta = 0x00;
constexpr uint8_t kDataSubtypePhy = 0x01;
constexpr uint8_t kDataSubtypeNvs = 0x02;
constexpr uint8_t kDataSubtypeCoredump = 0x03;
constexpr uint8_t kDataSubtypeNvsKeys = 0x04;
constexpr uint8_t kDataSubtypeEfuse = 0x05;
constexpr uint8_t kDataSubtypeUndefined = 0x06;
constexpr uint8_t kDataSubtypeEsphttpd = 0x80;
constexpr uint8_t kDataSubtypeFat = 0x81;
constexpr uint8_t kDataSubtypeSpiffs = 0x82;
constexpr uint8_t kDataSubtypeLittlefs = 0x83;
// Flags.
constexpr uint32_t kPartFlagEncrypted = 1u << 0;
constexpr uint32_t kPartFlagReadOnly = 1u << 1;
constexpr uint32_t kPartKnownFlags = kPartFlagEncrypted | kPartFlagReadOnly;

struct PartitionEntry {
  uint8_t type = 0;
  uint8_t subtype = 0;
  uint32_t offset = 0;
  uint32_t size = 0;
  char label[kPartitionLabelSize + 1] = {};  // always NUL-terminated in a parsed entry
  uint32_t flags = 0;
};

struct PartitionTable {
  PartitionEntry entries[kMaxPartitions] = {};
  size_t count = 0;
};

// Entries are equal when every field is; labels compare up to their NUL.
bool operator==(const PartitionEntry& a, const PartitionEntry& b);
inline bool operator!=(const PartitionEntry& a, const PartitionEntry& b) { return !(a == b); }
// Tables are equal when they list equal entries in the same order.
bool operator==(const PartitionTable& a, const PartitionTable& b);
inline bool operator!=(const PartitionTable& a, const PartitionTable& b) { return !(a == b); }

enum class PartitionError {
  Ok,
  // Encoding (parse_partition_table).
  Truncated,        // the input ends before the table does
  BadMagic,         // an entry is neither 0x50AA, 0xEBEB nor 0xFFFF
  LabelGarbage,     // bytes after a label's NUL are not NUL: not what any tool writes
  TooManyEntries,   // more than kMaxPartitions entries
  NoMd5,            // the table ends without an MD5 entry (and the caller requires one)
  BadMd5Entry,      // 0xEBEB entry whose bytes 2..15 are not 0xFF
  Md5Mismatch,      // the stored MD5 is not the MD5 of the entries before it
  NotErased,        // bytes after the end of the table are not 0xFF
  // Layout (validate_partition_table).
  EmptyLabel,
  LabelTooLong,     // no NUL within label[16] (only a hand-built entry can do this)
  BadLabel,         // a character that would not survive the CSV form, see check_label()
  DuplicateLabel,
  UnknownFlags,     // flag bits other than encrypted / readonly
  ZeroSize,
  EndOverflow,      // offset + size beyond 4 GiB
  OverlapsTable,    // starts below kFirstPartitionOffset
  Misaligned,       // offset not a multiple of kAppAlignment / kDataAlignment
  BeyondFlash,      // ends past the flash size given to validate
  Overlap,
  DuplicateOtaSlot,  // two app partitions with the same ota_N subtype
  OtaSlotGap,        // ota_N exists but ota_M (M < N) does not: slot numbers would shift
  MultipleOtadata,
  BadOtadataSize,    // a data/ota partition that is not exactly kOtadataSize
  // serialize_partition_table
  BufferTooSmall,
};

// Where and what. Fields that do not apply to an error stay 0 / empty.
struct PartitionProblem {
  PartitionError error = PartitionError::Ok;
  size_t index = 0;         // entry index (0-based), as in the messages
  size_t other = 0;         // the entry it clashes with (Overlap, Duplicate*)
  size_t byte_offset = 0;   // offset inside the binary table (encoding errors)
  uint64_t value = 0;       // offending value: magic, offset, end, flags, character...
  uint64_t expected = 0;    // alignment, flash size, the required size...
  // Labels copied at the time of the error, so a message needs nothing else.
  char label[kPartitionLabelSize + 1] = {};
  char other_label[kPartitionLabelSize + 1] = {};
};

struct PartitionParseOptions {
  // A table built with MD5 disabled ends with 0xFFFF and no MD5 entry. ESP-IDF's default
  // bootloader rejects that, and so do we unless told otherwise.
  bool require_md5 = true;
};

// Decodes the binary table. `area` is what was read from flash 0x8000: at least up to
// the end of the table, usually kPartitionTableSize or 0x1000 bytes; only the first
// kPartitionTableSize bytes are looked at. After the MD5 entry (or 0xFFFF end) the rest of
// those bytes must read 0xFF. Layout is *not* checked: call validate_partition_table().
// `out` is written only on success.
PartitionError parse_partition_table(ByteView area, PartitionTable& out, PartitionProblem& problem,
                                     const PartitionParseOptions& options = {});

// Layout rules: labels (non-empty, unique, see check_label), known flags, non-zero size,
// no 32-bit overflow, nothing below 0x9000, app offsets 64 KiB aligned and others 4 KiB,
// no overlaps, within `flash_size` (0 = unbounded), OTA slots ota_0..ota_{n-1} each once,
// at most one otadata partition of exactly 0x2000 bytes. Entries are checked in order and
// the first problem is reported.
PartitionError validate_partition_table(const PartitionTable& table, uint32_t flash_size,
                                        PartitionProblem& problem);

// Writes the kPartitionTableSize-byte binary form: entries, the MD5 entry, 0xFF fill.
// Checks only what the encoding needs (count, label length); validate first.
PartitionError serialize_partition_table(const PartitionTable& table, uint8_t* out, size_t cap,
                                         PartitionProblem& problem);

// Label rule shared with the CSV form: 1..16 printable ASCII characters, none of , # "
// (CSV separators, comments, our message quotes), no leading or trailing space.
// Returns Ok, EmptyLabel, LabelTooLong or BadLabel.
PartitionError check_label(std::string_view label);
// Copies a label into an entry; false (entry untouched) if longer than 16 bytes.
bool set_label(PartitionEntry& entry, std::string_view label);

// Alignment the layout rules require of a partition of this type.
inline uint32_t required_alignment(uint8_t type) {
  return type == kPartTypeApp ? kAppAlignment : kDataAlignment;
}

// Lookups; nullptr when absent. With several matches, the first in table order.
const PartitionEntry* find_partition(const PartitionTable& table, std::string_view label);
const PartitionEntry* find_partition(const PartitionTable& table, uint8_t type, uint8_t subtype);
// App partitions with subtype ota_0..ota_15: the count the bootloader divides seq by.
size_t ota_app_count(const PartitionTable& table);
// The app partition with subtype ota_<slot>.
const PartitionEntry* find_ota_slot(const PartitionTable& table, size_t slot);
// The data/ota partition holding the two otadata select entries.
const PartitionEntry* find_otadata(const PartitionTable& table);

// The VT132 layout (Arduino-ESP32 default, 4 MiB): nvs, otadata, app0 (ota_0),
// app1 (ota_1), spiffs.
constexpr uint32_t kVt132FlashSize = 4u << 20;
const PartitionTable& vt132_default_partitions();

// Short description of an error kind, e.g. "partition table MD5 mismatch".
const char* describe(PartitionError error);

// One line for a user, e.g. `partition 3 ("app1") overlaps partition 2 ("app0")` or
// `entry 2 has bad magic 0x1234 at offset 0x40`. Labels are quoted with non-printable
// bytes escaped. Returns the length written (truncated to cap - 1, always NUL-terminated
// when cap > 0).
size_t format_partition_problem(const PartitionProblem& problem, char* out, size_t cap);

}  // namespace vt132::core
