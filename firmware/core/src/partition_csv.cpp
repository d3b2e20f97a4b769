#include "vt132/core/partition_csv.hpp"
#include "vt132/core/text_writer.hpp"

#include <cstdio>
#include <cstring>

namespace vt132::core {
namespace {

constexpr size_t kMinFields = 5;
constexpr size_t kMaxFields = 6;
constexpr uint64_t kMax32 = 0xFFFFFFFFull;

struct Named {
  const char* name;
  uint8_t value;
};

constexpr Named kTypes[] = {{"app", kPartTypeApp}, {"data", kPartTypeData}};

// ota_0..ota_15 are handled by pattern, not listed.
constexpr Named kAppSubtypes[] = {{"factory", kAppSubtypeFactory}, {"test", kAppSubtypeTest}};

constexpr Named kDataSubtypes[] = {
    {"ota", kDataSubtypeOta},           {"phy", kDataSubtypePhy},
    {"nvs", kDataSubtypeNvs},           {"coredump", kDataSubtypeCoredump},
    {"nvs_keys", kDataSubtypeNvsKeys},  {"efuse", kDataSubtypeEfuse},
    {"undefined", kDataSubtypeUndefined}, {"esphttpd", kDataSubtypeEsphttpd},
    {"fat", kDataSubtypeFat},           {"spiffs", kDataSubtypeSpiffs},
    {"littlefs", kDataSubtypeLittlefs},
};

constexpr Named kFlags[] = {{"encrypted", 0}, {"readonly", 1}};  // value = bit number

const char* const kOtaNames[kMaxOtaSlots] = {
    "ota_0", "ota_1", "ota_2",  "ota_3",  "ota_4",  "ota_5",  "ota_6",  "ota_7",
    "ota_8", "ota_9", "ota_10", "ota_11", "ota_12", "ota_13", "ota_14", "ota_15",
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool equals_ignore_case(std::string_view a, const char* b) {
  const size_t n = std::strlen(b);
  if (a.size() != n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (lower(a[i]) != b[i]) return false;
  }
  return true;
}

template <size_t N>
bool lookup(const Named (&table)[N], std::string_view name, uint8_t& value) {
  for (const Named& n : table) {
    if (equals_ignore_case(name, n.name)) {
      value = n.value;
      return true;
    }
  }
  return false;
}

template <size_t N>
const char* name_of(const Named (&table)[N], uint8_t value) {
  for (const Named& n : table) {
    if (n.value == value) return n.name;
  }
  return nullptr;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (is_digit(c)) return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Decimal or 0x-hex, then (if allowed) K or M. `max` is at most 32 bits, so the uint64_t
// accumulator cannot overflow before we notice.
CsvError parse_number(std::string_view s, uint64_t max, bool allow_suffix, uint64_t& out) {
  uint64_t multiplier = 1;
  if (allow_suffix && !s.empty()) {
    const char last = lower(s.back());
    if (last == 'k' || last == 'm') {
      multiplier = last == 'k' ? 1024 : 1024 * 1024;
      s.remove_suffix(1);
    }
  }
  unsigned base = 10;
  if (s.size() >= 2 && s[0] == '0' && lower(s[1]) == 'x') {
    base = 16;
    s.remove_prefix(2);
  }
  if (s.empty()) return CsvError::BadNumber;
  uint64_t v = 0;
  for (const char c : s) {
    const int d = base == 16 ? hex_value(c) : (is_digit(c) ? c - '0' : -1);
    if (d < 0) return CsvError::BadNumber;
    v = v * base + static_cast<unsigned>(d);
    if (v > max) return CsvError::NumberTooLarge;
  }
  if (v * multiplier > max) return CsvError::NumberTooLarge;
  out = v * multiplier;
  return CsvError::Ok;
}

CsvError fail(CsvProblem& p, CsvError error, size_t line, CsvField field = CsvField::None,
              std::string_view token = {}, uint64_t value = 0) {
  p.error = error;
  p.line = line;
  p.field = field;
  p.value = value;
  const size_t n = token.size() < kCsvTokenSize ? token.size() : kCsvTokenSize;
  if (n > 0) std::memcpy(p.token, token.data(), n);  // an empty view may have no data
  p.token[n] = '\0';
  p.token_cut = token.size() > n;
  return error;
}

CsvError parse_type(std::string_view s, size_t line, uint8_t& type, CsvProblem& p) {
  if (!s.empty() && is_digit(s[0])) {
    uint64_t v = 0;
    const CsvError e = parse_number(s, 0xFF, false, v);
    if (e != CsvError::Ok) return fail(p, e, line, CsvField::Type, s);
    type = static_cast<uint8_t>(v);
    return CsvError::Ok;
  }
  if (!lookup(kTypes, s, type)) return fail(p, CsvError::UnknownType, line, CsvField::Type, s);
  return CsvError::Ok;
}

bool lookup_subtype(uint8_t type, std::string_view s, uint8_t& subtype) {
  if (type == kPartTypeApp) {
    for (size_t slot = 0; slot < kMaxOtaSlots; ++slot) {
      if (equals_ignore_case(s, kOtaNames[slot])) {
        subtype = static_cast<uint8_t>(kAppSubtypeOta0 + slot);
        return true;
      }
    }
    return lookup(kAppSubtypes, s, subtype);
  }
  if (type == kPartTypeData) return lookup(kDataSubtypes, s, subtype);
  return false;  // other types have no named subtypes
}

CsvError parse_subtype(std::string_view s, size_t line, uint8_t type, uint8_t& subtype,
                       CsvProblem& p) {
  if (s.empty()) return fail(p, CsvError::MissingSubtype, line, CsvField::SubType);
  if (is_digit(s[0])) {
    uint64_t v = 0;
    const CsvError e = parse_number(s, 0xFF, false, v);
    if (e != CsvError::Ok) return fail(p, e, line, CsvField::SubType, s);
    subtype = static_cast<uint8_t>(v);
    return CsvError::Ok;
  }
  if (!lookup_subtype(type, s, subtype)) {
    return fail(p, CsvError::UnknownSubtype, line, CsvField::SubType, s, type);
  }
  return CsvError::Ok;
}

CsvError parse_flags(std::string_view s, size_t line, uint32_t& flags, CsvProblem& p) {
  flags = 0;
  if (s.empty()) return CsvError::Ok;
  while (true) {
    const size_t colon = s.find(':');
    const std::string_view word = trim(s.substr(0, colon));
    uint8_t bit = 0;
    if (!lookup(kFlags, word, bit)) return fail(p, CsvError::UnknownFlag, line, CsvField::Flags, word);
    flags |= 1u << bit;
    if (colon == std::string_view::npos) return CsvError::Ok;
    s.remove_prefix(colon + 1);
  }
}

// Parses the fields of one partition line. `next_free` is where the previous partition
// ended: an empty offset places this one there, aligned.
CsvError parse_fields(const std::string_view* f, size_t n, size_t line, uint64_t& next_free,
                      PartitionEntry& e, CsvProblem& p) {
  const PartitionError label_error = check_label(f[0]);
  if (label_error != PartitionError::Ok) {
    p.layout.error = label_error;  // says which label rule, for the message
    return fail(p, CsvError::BadName, line, CsvField::Name, f[0]);
  }
  set_label(e, f[0]);
  if (parse_type(f[1], line, e.type, p) != CsvError::Ok) return p.error;
  if (parse_subtype(f[2], line, e.type, e.subtype, p) != CsvError::Ok) return p.error;

  uint64_t offset = 0;
  if (f[3].empty()) {
    const uint64_t align = required_alignment(e.type);
    offset = (next_free + align - 1) / align * align;
    if (offset > kMax32) return fail(p, CsvError::NumberTooLarge, line, CsvField::Offset, {}, offset);
  } else {
    const CsvError err = parse_number(f[3], kMax32, true, offset);
    if (err != CsvError::Ok) return fail(p, err, line, CsvField::Offset, f[3]);
  }
  if (f[4].empty()) return fail(p, CsvError::MissingSize, line, CsvField::Size);
  uint64_t size = 0;
  const CsvError err = parse_number(f[4], kMax32, true, size);
  if (err != CsvError::Ok) return fail(p, err, line, CsvField::Size, f[4]);
  e.offset = static_cast<uint32_t>(offset);
  e.size = static_cast<uint32_t>(size);
  next_free = offset + size;

  if (n > kMinFields && parse_flags(f[5], line, e.flags, p) != CsvError::Ok) return p.error;
  return CsvError::Ok;
}

// The first byte that cannot appear in a text line (tab and CR can), or npos.
size_t find_control(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<uint8_t>(line[i]);
    if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7F) return i;
  }
  return std::string_view::npos;
}


// The text of each column of one partition line.
struct CsvRow {
  char cells[kMaxFields][24];
};

void make_row(const PartitionEntry& e, CsvRow& row) {
  std::snprintf(row.cells[0], sizeof row.cells[0], "%s", e.label);
  const char* type = partition_type_name(e.type);
  if (type != nullptr) {
    std::snprintf(row.cells[1], sizeof row.cells[1], "%s", type);
  } else {
    std::snprintf(row.cells[1], sizeof row.cells[1], "0x%02x", e.type);
  }
  const char* subtype = partition_subtype_name(e.type, e.subtype);
  if (subtype != nullptr) {
    std::snprintf(row.cells[2], sizeof row.cells[2], "%s", subtype);
  } else {
    std::snprintf(row.cells[2], sizeof row.cells[2], "0x%02x", e.subtype);
  }
  std::snprintf(row.cells[3], sizeof row.cells[3], "0x%x", static_cast<unsigned>(e.offset));
  std::snprintf(row.cells[4], sizeof row.cells[4], "0x%x", static_cast<unsigned>(e.size));
  const bool enc = (e.flags & kPartFlagEncrypted) != 0;
  const bool ro = (e.flags & kPartFlagReadOnly) != 0;
  std::snprintf(row.cells[5], sizeof row.cells[5], "%s%s%s", enc ? "encrypted" : "",
                enc && ro ? ":" : "", ro ? "readonly" : "");
}

const char* field_name(CsvField f) {
  switch (f) {
    case CsvField::Name: return "name";
    case CsvField::Type: return "type";
    case CsvField::SubType: return "subtype";
    case CsvField::Offset: return "offset";
    case CsvField::Size: return "size";
    case CsvField::Flags: return "flags";
    case CsvField::None: break;
  }
  return "field";
}

void print_token(TextWriter& w, const CsvProblem& p) {
  w.print("\"");
  for (size_t i = 0; i < kCsvTokenSize && p.token[i] != '\0'; ++i) {
    const auto c = static_cast<uint8_t>(p.token[i]);
    if (c < 0x20 || c > 0x7E || c == '"' || c == '\\') {
      w.print("\\x%02x", c);
    } else {
      w.print("%c", c);
    }
  }
  w.print(p.token_cut ? "...\"" : "\"");
}

}  // namespace

CsvError parse_partition_csv(std::string_view text, PartitionTable& out, CsvProblem& problem,
                             const CsvOptions& options) {
  problem = CsvProblem{};
  // Editors on Windows may start the file with a UTF-8 byte order mark.
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  PartitionTable t;
  size_t line_of[kMaxPartitions] = {};  // for layout errors, which come after parsing
  uint64_t next_free = kFirstPartitionOffset;
  size_t line_no = 0;
  while (!text.empty()) {
    ++line_no;
    const size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol == std::string_view::npos ? text.size() : eol + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

    if (line.size() > kMaxCsvLineLength) {
      problem.column = kMaxCsvLineLength + 1;
      return fail(problem, CsvError::LineTooLong, line_no, CsvField::None, {}, line.size());
    }
    const size_t bad = find_control(line);
    if (bad != std::string_view::npos) {
      problem.column = bad + 1;
      return fail(problem, CsvError::ControlCharacter, line_no, CsvField::None, {},
                  static_cast<uint8_t>(line[bad]));
    }
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;

    std::string_view fields[kMaxFields];
    size_t n = 0;
    while (true) {
      if (n == kMaxFields) return fail(problem, CsvError::TooManyFields, line_no);
      const size_t comma = line.find(',');
      fields[n++] = trim(line.substr(0, comma));
      if (comma == std::string_view::npos) break;
      line.remove_prefix(comma + 1);
    }
    if (n < kMinFields) return fail(problem, CsvError::TooFewFields, line_no, CsvField::None, {}, n);
    if (t.count == kMaxPartitions) {
      return fail(problem, CsvError::TooManyPartitions, line_no, CsvField::None, {}, kMaxPartitions);
    }
    PartitionEntry& e = t.entries[t.count];
    if (parse_fields(fields, n, line_no, next_free, e, problem) != CsvError::Ok) return problem.error;
    line_of[t.count++] = line_no;
  }
  if (t.count == 0) return fail(problem, CsvError::NoPartitions, 0);
  if (validate_partition_table(t, options.flash_size, problem.layout) != PartitionError::Ok) {
    return fail(problem, CsvError::Layout, line_of[problem.layout.index]);
  }
  out = t;
  return CsvError::Ok;
}

CsvError format_partition_csv(const PartitionTable& table, char* out, size_t cap, size_t& length,
                              CsvProblem& problem) {
  problem = CsvProblem{};
  length = 0;
  if (table.count > kMaxPartitions) {
    problem.layout.error = PartitionError::TooManyEntries;
    return fail(problem, CsvError::Unrepresentable, 0, CsvField::None, {}, table.count);
  }
  // Only what the parser would read back differently; layout is the caller's business.
  for (size_t i = 0; i < table.count; ++i) {
    const PartitionEntry& e = table.entries[i];
    size_t label_len = 0;
    while (label_len < sizeof e.label && e.label[label_len] != '\0') ++label_len;
    const std::string_view label(e.label, label_len);
    PartitionError why = check_label(label);
    if (why == PartitionError::Ok && (e.flags & ~kPartKnownFlags) != 0) {
      why = PartitionError::UnknownFlags;
    }
    if (why != PartitionError::Ok) {
      problem.layout.error = why;
      problem.layout.index = i;
      return fail(problem, CsvError::Unrepresentable, 0, CsvField::None, label,
                  e.flags & ~kPartKnownFlags);
    }
  }

  // Column widths: the widest cell plus its comma, then one space.
  size_t width[kMaxFields] = {};
  for (size_t i = 0; i < table.count; ++i) {
    CsvRow row;
    make_row(table.entries[i], row);
    for (size_t c = 0; c < kMaxFields; ++c) {
      const size_t w = std::strlen(row.cells[c]) + 2;
      if (w > width[c]) width[c] = w;
    }
  }

  TextWriter w(out, cap);
  w.print("# Name, Type, SubType, Offset, Size, Flags\n");
  for (size_t i = 0; i < table.count; ++i) {
    CsvRow row;
    make_row(table.entries[i], row);
    const bool has_flags = row.cells[5][0] != '\0';
    const size_t last = has_flags ? 5 : 4;
    for (size_t c = 0; c <= last; ++c) {
      const size_t start = w.length();
      w.print("%s", row.cells[c]);
      if (c < last) {
        w.print(",");
        w.pad_to(start, width[c]);
      }
    }
    w.print("\n");
  }
  if (w.length() >= cap) {
    w.finish();
    return fail(problem, CsvError::BufferTooSmall, 0, CsvField::None, {}, w.length() + 1);
  }
  length = w.finish();
  return CsvError::Ok;
}

const char* partition_type_name(uint8_t type) { return name_of(kTypes, type); }

const char* partition_subtype_name(uint8_t type, uint8_t subtype) {
  if (type == kPartTypeApp) {
    if (subtype >= kAppSubtypeOta0 && subtype < kAppSubtypeOta0 + kMaxOtaSlots) {
      return kOtaNames[subtype - kAppSubtypeOta0];
    }
    return name_of(kAppSubtypes, subtype);
  }
  if (type == kPartTypeData) return name_of(kDataSubtypes, subtype);
  return nullptr;
}

size_t format_csv_problem(const CsvProblem& p, char* out, size_t cap) {
  TextWriter w(out, cap);
  if (p.line != 0) w.print("line %zu: ", p.line);
  const auto value = static_cast<unsigned long long>(p.value);
  char detail[160];
  switch (p.error) {
    case CsvError::Ok:
      w.print("ok");
      break;
    case CsvError::LineTooLong:
      w.print("line longer than %zu bytes", kMaxCsvLineLength);
      break;
    case CsvError::ControlCharacter:
      w.print("control character 0x%02llx at column %zu (not a text file?)", value, p.column);
      break;
    case CsvError::TooFewFields:
      w.print("%llu field%s, expected Name, Type, SubType, Offset, Size[, Flags]", value,
              value == 1 ? "" : "s");
      break;
    case CsvError::TooManyFields:
      w.print("more than %zu fields (Name, Type, SubType, Offset, Size, Flags)", kMaxFields);
      break;
    case CsvError::BadName:
      w.print("bad name ");
      print_token(w, p);
      if (p.layout.error == PartitionError::EmptyLabel) {
        w.print(": empty");
      } else if (p.layout.error == PartitionError::LabelTooLong) {
        w.print(": longer than %zu bytes", kPartitionLabelSize);
      } else {
        w.print(": use printable ASCII without , # \" or surrounding spaces");
      }
      break;
    case CsvError::UnknownType:
      w.print("unknown type ");
      print_token(w, p);
      w.print(" (expected app, data or a number)");
      break;
    case CsvError::UnknownSubtype:
      w.print("unknown subtype ");
      print_token(w, p);
      break;
    case CsvError::BadNumber:
      w.print("bad %s ", field_name(p.field));
      print_token(w, p);
      w.print(p.field == CsvField::Offset || p.field == CsvField::Size
                  ? " (expected decimal or 0x-hex, optionally with K or M)"
                  : " (expected a name, decimal or 0x-hex)");
      break;
    case CsvError::NumberTooLarge:
      if (p.field == CsvField::Offset && p.token[0] == '\0') {
        w.print("automatic offset 0x%llx is beyond 4 GiB", value);
      } else {
        w.print("%s ", field_name(p.field));
        print_token(w, p);
        w.print(p.field == CsvField::Type || p.field == CsvField::SubType
                    ? " is too large (at most 255)"
                    : " is too large (at most 0xffffffff)");
      }
      break;
    case CsvError::MissingSubtype:
      w.print("missing subtype");
      break;
    case CsvError::MissingSize:
      w.print("missing size");
      break;
    case CsvError::UnknownFlag:
      w.print("unknown flag ");
      print_token(w, p);
      w.print(" (expected encrypted or readonly, joined with ':')");
      break;
    case CsvError::TooManyPartitions:
      w.print("more than %zu partitions", kMaxPartitions);
      break;
    case CsvError::NoPartitions:
      w.print("no partitions found");
      break;
    case CsvError::Layout:
      format_partition_problem(p.layout, detail, sizeof detail);
      w.print("%s", detail);
      break;
    case CsvError::Unrepresentable:
      if (p.layout.error == PartitionError::TooManyEntries) {
        w.print("cannot write %llu partitions as CSV: at most %zu", value, kMaxPartitions);
      } else {
        w.print("cannot write partition %zu (", p.layout.index);
        print_token(w, p);
        if (p.layout.error == PartitionError::UnknownFlags) {
          w.print(") as CSV: unknown flags 0x%llx", value);
        } else {
          w.print(") as CSV: %s", describe(p.layout.error));
        }
      }
      break;
    case CsvError::BufferTooSmall:
      w.print("output buffer too small: need %llu bytes", value);
      break;
  }
  return w.finish();
}

}  // namespace vt132::core
