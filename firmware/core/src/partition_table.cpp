#include "vt132/core/partition_table.hpp"

#include <cstdio>
#include <cstring>

#include "vt132/core/md5.hpp"
#include "vt132/core/text_writer.hpp"

namespace vt132::core {
namespace {

constexpr size_t kSlots = kPartitionTableSize / kPartitionEntrySize;
constexpr size_t kMd5EntryPadEnd = 16;  // EB EB, then 0xFF up to byte 16, then the digest

// Label length inside a struct entry: up to the NUL, or 17 if there is none.
size_t label_length(const PartitionEntry& e) {
  size_t n = 0;
  while (n < sizeof e.label && e.label[n] != '\0') ++n;
  return n;
}

// Characters a label may hold; see check_label().
bool label_char_ok(char c) { return c >= 0x20 && c <= 0x7E && c != ',' && c != '#' && c != '"'; }

std::string_view label_of(const PartitionEntry& e) { return {e.label, label_length(e)}; }

void copy_label(char (&dst)[kPartitionLabelSize + 1], const PartitionEntry& e) {
  const size_t n = label_length(e) < kPartitionLabelSize ? label_length(e) : kPartitionLabelSize;
  std::memcpy(dst, e.label, n);
  dst[n] = '\0';
}

PartitionError fail(PartitionProblem& p, PartitionError error) {
  p.error = error;
  return error;
}

// Starts a problem about entry `index`, with its label for the message.
PartitionError fail_entry(PartitionProblem& p, PartitionError error, const PartitionTable& t,
                          size_t index, uint64_t value = 0, uint64_t expected = 0) {
  p = PartitionProblem{};
  p.index = index;
  p.value = value;
  p.expected = expected;
  copy_label(p.label, t.entries[index]);
  return fail(p, error);
}

PartitionError fail_pair(PartitionProblem& p, PartitionError error, const PartitionTable& t,
                         size_t index, size_t other) {
  fail_entry(p, error, t, index);
  p.other = other;
  copy_label(p.other_label, t.entries[other]);
  return error;
}

// Encoding error at a byte offset of the binary table.
PartitionError fail_at(PartitionProblem& p, PartitionError error, size_t index, size_t offset,
                       uint64_t value = 0, uint64_t expected = 0) {
  p = PartitionProblem{};
  p.index = index;
  p.byte_offset = offset;
  p.value = value;
  p.expected = expected;
  return fail(p, error);
}

bool all_bytes(const uint8_t* p, size_t n, uint8_t v) {
  for (size_t i = 0; i < n; ++i) {
    if (p[i] != v) return false;
  }
  return true;
}

// Index of the first byte in [from, to) that is not 0xFF, or `to`.
size_t first_not_erased(const uint8_t* p, size_t from, size_t to) {
  while (from < to && p[from] == 0xFF) ++from;
  return from;
}

// Decodes one 0x50AA entry; the label must be NUL-padded after its end.
bool decode_entry(const uint8_t* raw, PartitionEntry& e) {
  e.type = raw[2];
  e.subtype = raw[3];
  e.offset = load_le32(raw + 4);
  e.size = load_le32(raw + 8);
  const uint8_t* label = raw + 12;
  size_t n = 0;
  while (n < kPartitionLabelSize && label[n] != 0) ++n;
  std::memcpy(e.label, label, n);
  std::memset(e.label + n, 0, sizeof e.label - n);
  e.flags = load_le32(raw + 28);
  return all_bytes(label + n, kPartitionLabelSize - n, 0);
}

void encode_entry(const PartitionEntry& e, uint8_t* raw) {
  store_le16(raw, kPartitionMagic);
  raw[2] = e.type;
  raw[3] = e.subtype;
  store_le32(raw + 4, e.offset);
  store_le32(raw + 8, e.size);
  const size_t n = label_length(e);
  std::memset(raw + 12, 0, kPartitionLabelSize);
  std::memcpy(raw + 12, e.label, n);
  store_le32(raw + 28, e.flags);
}

bool is_ota_app(const PartitionEntry& e) {
  return e.type == kPartTypeApp && e.subtype >= kAppSubtypeOta0 &&
         e.subtype < kAppSubtypeOta0 + kMaxOtaSlots;
}

bool is_otadata(const PartitionEntry& e) {
  return e.type == kPartTypeData && e.subtype == kDataSubtypeOta;
}

uint64_t end_of(const PartitionEntry& e) { return uint64_t{e.offset} + e.size; }

// Checks that need only the entry itself.
PartitionError check_entry(const PartitionTable& t, size_t i, uint32_t flash_size,
                           PartitionProblem& p) {
  const PartitionEntry& e = t.entries[i];
  if (label_length(e) > kPartitionLabelSize) {
    return fail_entry(p, PartitionError::LabelTooLong, t, i, label_length(e), kPartitionLabelSize);
  }
  const PartitionError label_error = check_label(label_of(e));
  if (label_error != PartitionError::Ok) {
    uint64_t bad = ' ';  // if no character is bad, a leading/trailing space is
    for (const char c : label_of(e)) {
      if (!label_char_ok(c)) {
        bad = static_cast<uint8_t>(c);
        break;
      }
    }
    return fail_entry(p, label_error, t, i, bad);
  }
  if ((e.flags & ~kPartKnownFlags) != 0) {
    return fail_entry(p, PartitionError::UnknownFlags, t, i, e.flags & ~kPartKnownFlags);
  }
  if (e.size == 0) return fail_entry(p, PartitionError::ZeroSize, t, i);
  if (end_of(e) > 0x100000000ull) return fail_entry(p, PartitionError::EndOverflow, t, i, end_of(e));
  if (e.offset < kFirstPartitionOffset) {
    return fail_entry(p, PartitionError::OverlapsTable, t, i, e.offset, kFirstPartitionOffset);
  }
  const uint32_t align = required_alignment(e.type);
  if (e.offset % align != 0) return fail_entry(p, PartitionError::Misaligned, t, i, e.offset, align);
  if (flash_size != 0 && end_of(e) > flash_size) {
    return fail_entry(p, PartitionError::BeyondFlash, t, i, end_of(e), flash_size);
  }
  if (is_otadata(e) && e.size != kOtadataSize) {
    return fail_entry(p, PartitionError::BadOtadataSize, t, i, e.size, kOtadataSize);
  }
  return PartitionError::Ok;
}

// Checks of entry i against every earlier entry j.
PartitionError check_pairs(const PartitionTable& t, size_t i, PartitionProblem& p) {
  const PartitionEntry& e = t.entries[i];
  for (size_t j = 0; j < i; ++j) {
    const PartitionEntry& o = t.entries[j];
    if (e.offset < end_of(o) && o.offset < end_of(e)) {
      return fail_pair(p, PartitionError::Overlap, t, i, j);
    }
    if (label_of(e) == label_of(o)) return fail_pair(p, PartitionError::DuplicateLabel, t, i, j);
    if (is_ota_app(e) && is_ota_app(o) && e.subtype == o.subtype) {
      return fail_pair(p, PartitionError::DuplicateOtaSlot, t, i, j);
    }
    if (is_otadata(e) && is_otadata(o)) return fail_pair(p, PartitionError::MultipleOtadata, t, i, j);
  }
  return PartitionError::Ok;
}

// The bootloader maps seq to slot (seq - 1) mod <number of OTA apps>, so the slots must
// be numbered 0..n-1: with ota_0 and ota_2 only, "slot 1" would not exist.
PartitionError check_ota_slots(const PartitionTable& t, PartitionProblem& p) {
  const size_t n = ota_app_count(t);
  for (size_t i = 0; i < t.count; ++i) {
    const PartitionEntry& e = t.entries[i];
    if (is_ota_app(e) && static_cast<size_t>(e.subtype - kAppSubtypeOta0) >= n) {
      return fail_entry(p, PartitionError::OtaSlotGap, t, i, e.subtype - kAppSubtypeOta0, n);
    }
  }
  return PartitionError::Ok;
}

// A label in double quotes, non-printable bytes and quotes as \xNN.
void print_quoted(TextWriter& w, const char* label) {
  w.print("\"");
  for (size_t i = 0; i < kPartitionLabelSize && label[i] != '\0'; ++i) {
    const uint8_t c = static_cast<uint8_t>(label[i]);
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
      w.print("\\x%02x", c);
    } else {
      w.print("%c", c);
    }
  }
  w.print("\"");
}

void print_entry(TextWriter& w, const char* word, size_t index, const char* label) {
  w.print("%s %zu (", word, index);
  print_quoted(w, label);
  w.print(")");
}

const PartitionTable kVt132Default = {
    {
        {kPartTypeData, kDataSubtypeNvs, 0x9000, 0x5000, "nvs", 0},
        {kPartTypeData, kDataSubtypeOta, 0xE000, 0x2000, "otadata", 0},
        {kPartTypeApp, kAppSubtypeOta0, 0x10000, 0x140000, "app0", 0},
        {kPartTypeApp, kAppSubtypeOta0 + 1, 0x150000, 0x140000, "app1", 0},
        {kPartTypeData, kDataSubtypeSpiffs, 0x290000, 0x170000, "spiffs", 0},
    },
    5,
};

}  // namespace

bool operator==(const PartitionEntry& a, const PartitionEntry& b) {
  return a.type == b.type && a.subtype == b.subtype && a.offset == b.offset && a.size == b.size &&
         a.flags == b.flags && label_of(a) == label_of(b);
}

bool operator==(const PartitionTable& a, const PartitionTable& b) {
  if (a.count != b.count) return false;
  // A count beyond the array (a corrupted struct) is compared only as far as it exists.
  for (size_t i = 0; i < a.count && i < kMaxPartitions; ++i) {
    if (a.entries[i] != b.entries[i]) return false;
  }
  return true;
}

PartitionError parse_partition_table(ByteView area, PartitionTable& out, PartitionProblem& problem,
                                     const PartitionParseOptions& options) {
  problem = PartitionProblem{};
  const uint8_t* p = area.data;
  const size_t size = area.size < kPartitionTableSize ? area.size : kPartitionTableSize;
  if (p == nullptr && size > 0) return fail_at(problem, PartitionError::Truncated, 0, 0);

  // Parsed into a local table so `out` is only written on success. It is 3.4 KiB: the
  // device parses from a task with a large enough stack.
  PartitionTable t;
  for (size_t slot = 0; slot < kSlots; ++slot) {
    const size_t at = slot * kPartitionEntrySize;
    if (at + kPartitionEntrySize > size) {
      return fail_at(problem, PartitionError::Truncated, slot, at, size, at + kPartitionEntrySize);
    }
    const uint8_t* raw = p + at;
    const uint16_t magic = load_le16(raw);
    if (magic == kPartitionMagic) {
      if (t.count == kMaxPartitions) {
        return fail_at(problem, PartitionError::TooManyEntries, slot, at, t.count + 1, kMaxPartitions);
      }
      if (!decode_entry(raw, t.entries[t.count])) {
        fail_at(problem, PartitionError::LabelGarbage, slot, at);
        copy_label(problem.label, t.entries[t.count]);
        return problem.error;
      }
      ++t.count;
      continue;
    }
    if (magic == kPartitionMd5Magic) {
      if (!all_bytes(raw + 2, kMd5EntryPadEnd - 2, 0xFF)) {
        return fail_at(problem, PartitionError::BadMd5Entry, slot, at);
      }
      const Md5Digest digest = Md5::of(p, at);
      if (std::memcmp(digest.data(), raw + kMd5EntryPadEnd, digest.size()) != 0) {
        return fail_at(problem, PartitionError::Md5Mismatch, slot, at);
      }
    } else if (magic == kPartitionEndMagic) {
      if (options.require_md5) return fail_at(problem, PartitionError::NoMd5, slot, at);
      // The end marker itself is erased flash: checked below with the rest.
      const size_t bad = first_not_erased(p, at, at + kPartitionEntrySize);
      if (bad != at + kPartitionEntrySize) {
        return fail_at(problem, PartitionError::NotErased, slot, bad, p[bad], 0xFF);
      }
    } else {
      return fail_at(problem, PartitionError::BadMagic, slot, at, magic, kPartitionMagic);
    }
    // Whatever follows the end is 0xFF in every table ESP-IDF writes; anything else means
    // the table was damaged or is not what it seems.
    const size_t end = at + kPartitionEntrySize;
    const size_t bad = first_not_erased(p, end, size);
    if (bad != size) {
      return fail_at(problem, PartitionError::NotErased, bad / kPartitionEntrySize, bad, p[bad], 0xFF);
    }
    out = t;
    return PartitionError::Ok;
  }
  // 96 slots of entries: the last one already failed as TooManyEntries.
  return fail_at(problem, PartitionError::TooManyEntries, kSlots - 1,
                 (kSlots - 1) * kPartitionEntrySize);
}

PartitionError validate_partition_table(const PartitionTable& table, uint32_t flash_size,
                                        PartitionProblem& problem) {
  problem = PartitionProblem{};
  if (table.count > kMaxPartitions) {
    problem.value = table.count;
    problem.expected = kMaxPartitions;
    return fail(problem, PartitionError::TooManyEntries);
  }
  for (size_t i = 0; i < table.count; ++i) {
    if (check_entry(table, i, flash_size, problem) != PartitionError::Ok) return problem.error;
    if (check_pairs(table, i, problem) != PartitionError::Ok) return problem.error;
  }
  return check_ota_slots(table, problem);
}

PartitionError serialize_partition_table(const PartitionTable& table, uint8_t* out, size_t cap,
                                         PartitionProblem& problem) {
  problem = PartitionProblem{};
  if (out == nullptr || cap < kPartitionTableSize) {
    problem.value = cap;
    problem.expected = kPartitionTableSize;
    return fail(problem, PartitionError::BufferTooSmall);
  }
  if (table.count > kMaxPartitions) {
    problem.value = table.count;
    problem.expected = kMaxPartitions;
    return fail(problem, PartitionError::TooManyEntries);
  }
  for (size_t i = 0; i < table.count; ++i) {
    if (label_length(table.entries[i]) > kPartitionLabelSize) {
      return fail_entry(problem, PartitionError::LabelTooLong, table, i,
                        label_length(table.entries[i]), kPartitionLabelSize);
    }
  }
  std::memset(out, 0xFF, kPartitionTableSize);
  for (size_t i = 0; i < table.count; ++i) {
    encode_entry(table.entries[i], out + i * kPartitionEntrySize);
  }
  uint8_t* md5_entry = out + table.count * kPartitionEntrySize;
  store_le16(md5_entry, kPartitionMd5Magic);  // bytes 2..15 stay 0xFF
  const Md5Digest digest = Md5::of(out, table.count * kPartitionEntrySize);
  std::memcpy(md5_entry + kMd5EntryPadEnd, digest.data(), digest.size());
  return PartitionError::Ok;
}

PartitionError check_label(std::string_view label) {
  if (label.empty()) return PartitionError::EmptyLabel;
  if (label.size() > kPartitionLabelSize) return PartitionError::LabelTooLong;
  if (label.front() == ' ' || label.back() == ' ') return PartitionError::BadLabel;
  for (const char c : label) {
    if (!label_char_ok(c)) return PartitionError::BadLabel;
  }
  return PartitionError::Ok;
}

bool set_label(PartitionEntry& entry, std::string_view label) {
  if (label.size() > kPartitionLabelSize) return false;
  std::memset(entry.label, 0, sizeof entry.label);
  if (!label.empty()) std::memcpy(entry.label, label.data(), label.size());
  return true;
}

const PartitionEntry* find_partition(const PartitionTable& table, std::string_view label) {
  for (size_t i = 0; i < table.count && i < kMaxPartitions; ++i) {
    if (label_of(table.entries[i]) == label) return &table.entries[i];
  }
  return nullptr;
}

const PartitionEntry* find_partition(const PartitionTable& table, uint8_t type, uint8_t subtype) {
  for (size_t i = 0; i < table.count && i < kMaxPartitions; ++i) {
    if (table.entries[i].type == type && table.entries[i].subtype == subtype) {
      return &table.entries[i];
    }
  }
  return nullptr;
}

size_t ota_app_count(const PartitionTable& table) {
  size_t n = 0;
  for (size_t i = 0; i < table.count && i < kMaxPartitions; ++i) {
    if (is_ota_app(table.entries[i])) ++n;
  }
  return n;
}

const PartitionEntry* find_ota_slot(const PartitionTable& table, size_t slot) {
  if (slot >= kMaxOtaSlots) return nullptr;
  return find_partition(table, kPartTypeApp, static_cast<uint8_t>(kAppSubtypeOta0 + slot));
}

const PartitionEntry* find_otadata(const PartitionTable& table) {
  return find_partition(table, kPartTypeData, kDataSubtypeOta);
}

const PartitionTable& vt132_default_partitions() { return kVt132Default; }

const char* describe(PartitionError error) {
  switch (error) {
    case PartitionError::Ok: return "ok";
    case PartitionError::Truncated: return "partition table truncated";
    case PartitionError::BadMagic: return "bad entry magic";
    case PartitionError::LabelGarbage: return "label has bytes after its terminating NUL";
    case PartitionError::TooManyEntries: return "too many partitions";
    case PartitionError::NoMd5: return "partition table has no MD5 entry";
    case PartitionError::BadMd5Entry: return "malformed MD5 entry";
    case PartitionError::Md5Mismatch: return "partition table MD5 mismatch";
    case PartitionError::NotErased: return "data after the end of the partition table";
    case PartitionError::EmptyLabel: return "empty label";
    case PartitionError::LabelTooLong: return "label longer than 16 bytes";
    case PartitionError::BadLabel: return "label has a character that is not allowed";
    case PartitionError::DuplicateLabel: return "duplicate label";
    case PartitionError::UnknownFlags: return "unknown flags";
    case PartitionError::ZeroSize: return "size is 0";
    case PartitionError::EndOverflow: return "partition ends beyond 4 GiB";
    case PartitionError::OverlapsTable: return "partition overlaps the partition table";
    case PartitionError::Misaligned: return "partition offset misaligned";
    case PartitionError::BeyondFlash: return "partition ends beyond the flash";
    case PartitionError::Overlap: return "partitions overlap";
    case PartitionError::DuplicateOtaSlot: return "OTA slot defined twice";
    case PartitionError::OtaSlotGap: return "OTA slots not numbered from ota_0 without gaps";
    case PartitionError::MultipleOtadata: return "more than one otadata partition";
    case PartitionError::BadOtadataSize: return "otadata partition size is not 0x2000";
    case PartitionError::BufferTooSmall: return "output buffer too small";
  }
  return "unknown error";
}

size_t format_partition_problem(const PartitionProblem& p, char* out, size_t cap) {
  TextWriter w(out, cap);
  const auto value = static_cast<unsigned long long>(p.value);
  const auto expected = static_cast<unsigned long long>(p.expected);
  switch (p.error) {
    case PartitionError::Truncated:
      w.print("partition table truncated: entry %zu at offset 0x%zx needs %llu bytes, input has %llu",
              p.index, p.byte_offset, expected, value);
      break;
    case PartitionError::BadMagic:
      w.print("entry %zu has bad magic 0x%04llx at offset 0x%zx", p.index, value, p.byte_offset);
      break;
    case PartitionError::LabelGarbage:
      w.print("entry %zu at offset 0x%zx: label ", p.index, p.byte_offset);
      print_quoted(w, p.label);
      w.print(" has bytes after its terminating NUL");
      break;
    case PartitionError::TooManyEntries:
      w.print("too many partitions: at most %zu fit the table", kMaxPartitions);
      break;
    case PartitionError::NoMd5:
    case PartitionError::BadMd5Entry:
    case PartitionError::Md5Mismatch:
      w.print("%s (entry %zu at offset 0x%zx)", describe(p.error), p.index, p.byte_offset);
      break;
    case PartitionError::NotErased:
      w.print("byte 0x%02llx at offset 0x%zx after the end of the partition table (expected 0xff)",
              value, p.byte_offset);
      break;
    case PartitionError::BadLabel:
      print_entry(w, "partition", p.index, p.label);
      if (p.value == ' ') {
        w.print(": label has leading or trailing space");
      } else {
        w.print(": label has character 0x%02llx (allowed: printable ASCII except , # \")", value);
      }
      break;
    case PartitionError::EmptyLabel:
    case PartitionError::ZeroSize:
      w.print("partition %zu: %s", p.index, describe(p.error));
      break;
    case PartitionError::LabelTooLong:
      print_entry(w, "partition", p.index, p.label);
      w.print(": %s", describe(p.error));
      break;
    case PartitionError::UnknownFlags:
      print_entry(w, "partition", p.index, p.label);
      w.print(" has unknown flags 0x%llx", value);
      break;
    case PartitionError::EndOverflow:
      print_entry(w, "partition", p.index, p.label);
      w.print(" ends at 0x%llx, beyond 4 GiB", value);
      break;
    case PartitionError::OverlapsTable:
      print_entry(w, "partition", p.index, p.label);
      w.print(" at 0x%llx overlaps the partition table (the first free offset is 0x%llx)", value,
              expected);
      break;
    case PartitionError::Misaligned:
      print_entry(w, "partition", p.index, p.label);
      w.print(" offset 0x%llx is not a multiple of 0x%llx", value, expected);
      break;
    case PartitionError::BeyondFlash:
      print_entry(w, "partition", p.index, p.label);
      w.print(" ends at 0x%llx, beyond the 0x%llx-byte flash", value, expected);
      break;
    case PartitionError::Overlap:
      print_entry(w, "partition", p.index, p.label);
      print_entry(w, " overlaps partition", p.other, p.other_label);
      break;
    case PartitionError::DuplicateLabel:
      print_entry(w, "partition", p.index, p.label);
      w.print(" has the same label as partition %zu", p.other);
      break;
    case PartitionError::DuplicateOtaSlot:
      print_entry(w, "partition", p.index, p.label);
      print_entry(w, " is the same OTA slot as partition", p.other, p.other_label);
      break;
    case PartitionError::OtaSlotGap:
      print_entry(w, "partition", p.index, p.label);
      w.print(" is ota_%llu; with %llu OTA app partition%s the slots must be ota_0..ota_%llu", value,
              expected, expected == 1 ? "" : "s", expected == 0 ? 0 : expected - 1);
      break;
    case PartitionError::MultipleOtadata:
      print_entry(w, "partition", p.index, p.label);
      print_entry(w, " is a second otadata partition after partition", p.other, p.other_label);
      break;
    case PartitionError::BadOtadataSize:
      print_entry(w, "partition", p.index, p.label);
      w.print(" is otadata of size 0x%llx; it must be 0x%llx", value, expected);
      break;
    case PartitionError::BufferTooSmall:
      w.print("output buffer of %llu bytes too small, need %llu", value, expected);
      break;
    case PartitionError::Ok:
      w.print("ok");
      break;
  }
  return w.finish();
}

}  // namespace vt132::core
