#include "vt132/core/version.hpp"

#include <cstdio>
#include <cstring>

namespace vt132::core {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_identifier_char(char c) { return is_digit(c) || is_letter(c) || c == '-'; }
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (!is_digit(c)) return false;
  }
  return true;
}

// Reads the text left to right; every step either consumes or reports an error.
struct Cursor {
  std::string_view text;
  size_t pos = 0;

  char peek() const { return pos < text.size() ? text[pos] : '\0'; }
  bool at_end() const { return pos >= text.size(); }
};

// Checks the alphabet first, so a stray space or control byte gets its own error wherever it
// sits instead of whatever structural error it happens to cause.
VersionError check_alphabet(std::string_view text) {
  for (char c : text) {
    if (is_identifier_char(c) || c == '.' || c == '+') continue;
    return is_space(c) ? VersionError::Whitespace : VersionError::BadCharacter;
  }
  return VersionError::Ok;
}

// A letter where a number belongs means the number is malformed; anything else (a separator
// or the end) means the part is not there at all.
VersionError not_number_or_missing(char c) {
  return is_letter(c) ? VersionError::NotANumber : VersionError::MissingPart;
}

VersionError parse_number(Cursor& c, uint64_t& value) {
  if (!is_digit(c.peek())) return not_number_or_missing(c.peek());
  const size_t start = c.pos;
  value = 0;
  while (is_digit(c.peek())) {
    if (c.pos > start && c.text[start] == '0') return VersionError::LeadingZero;
    const auto digit = static_cast<uint64_t>(c.peek() - '0');
    if (value > (UINT64_MAX - digit) / 10) return VersionError::NumberTooLarge;
    value = value * 10 + digit;
    ++c.pos;
  }
  return VersionError::Ok;
}

// The '.' after MAJOR and after MINOR.
VersionError expect_dot(Cursor& c) {
  if (c.peek() != '.') return not_number_or_missing(c.peek());
  ++c.pos;
  return VersionError::Ok;
}

// What may follow PATCH: the end, '-' or '+'.
VersionError check_after_patch(const Cursor& c) {
  if (c.at_end() || c.peek() == '-' || c.peek() == '+') return VersionError::Ok;
  if (c.peek() == '.') return VersionError::ExtraPart;
  return VersionError::NotANumber;
}

// One identifier of a prerelease or build list. Semver forbids leading zeros only in numeric
// prerelease identifiers (they take part in ordering); build identifiers like "007" are fine.
VersionError parse_identifier(Cursor& c, bool numeric_rules) {
  const size_t start = c.pos;
  while (is_identifier_char(c.peek())) ++c.pos;
  const std::string_view id(c.text.data() + start, c.pos - start);
  if (id.empty()) return VersionError::EmptyIdentifier;
  if (numeric_rules && id.size() > 1 && id[0] == '0' && all_digits(id)) {
    return VersionError::LeadingZero;
  }
  return VersionError::Ok;
}

// Dot-separated identifiers, starting just after the '-' or '+'. Stops at the first character
// that is neither an identifier character nor a '.'; the caller decides whether it may be there.
VersionError parse_identifiers(Cursor& c, bool numeric_rules, uint8_t& off, uint8_t& len) {
  const size_t start = c.pos;
  for (;;) {
    const VersionError e = parse_identifier(c, numeric_rules);
    if (e != VersionError::Ok) return e;
    if (c.peek() != '.') break;
    ++c.pos;
  }
  // Both fit: the whole text is at most kMaxVersionLength (<= 255) long.
  off = static_cast<uint8_t>(start);
  len = static_cast<uint8_t>(c.pos - start);
  return VersionError::Ok;
}

VersionError parse_core(Cursor& c, Version& v) {
  if (c.peek() == 'V' || c.peek() == 'v') ++c.pos;
  VersionError e = parse_number(c, v.major);
  if (e == VersionError::Ok) e = expect_dot(c);
  if (e == VersionError::Ok) e = parse_number(c, v.minor);
  if (e == VersionError::Ok) e = expect_dot(c);
  if (e == VersionError::Ok) e = parse_number(c, v.patch);
  if (e == VersionError::Ok) e = check_after_patch(c);
  return e;
}

int sign(int x) { return (x > 0) - (x < 0); }

int compare_numbers(uint64_t a, uint64_t b) { return (a > b) - (a < b); }

// Numeric identifiers have no leading zeros, so a longer one is larger and equal lengths
// compare digit by digit. That also orders identifiers too large for any integer type.
int compare_identifiers(std::string_view a, std::string_view b) {
  const bool a_num = all_digits(a);
  const bool b_num = all_digits(b);
  if (a_num && b_num && a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  if (a_num != b_num) return a_num ? -1 : 1;  // numeric identifiers sort first
  return sign(a.compare(b));
}

// Splits off the identifier before the next '.' and advances `rest` past it. (No substr():
// it would pull in libstdc++'s throwing bounds check.)
std::string_view next_identifier(std::string_view& rest) {
  const size_t dot = rest.find('.');
  if (dot == std::string_view::npos) {
    const std::string_view id = rest;
    rest = std::string_view();
    return id;
  }
  const std::string_view id(rest.data(), dot);
  rest.remove_prefix(dot + 1);
  return id;
}

int compare_prereleases(std::string_view a, std::string_view b) {
  // A release ranks above all of its prereleases.
  if (a.empty() || b.empty()) return compare_numbers(a.empty(), b.empty());
  while (!a.empty() && !b.empty()) {
    const int c = compare_identifiers(next_identifier(a), next_identifier(b));
    if (c != 0) return c;
  }
  // All shared identifiers equal: the shorter list ranks lower.
  return compare_numbers(!a.empty(), !b.empty());
}

// Copies at most kMaxVersionLength bytes of input into out, escaped so that it prints safely
// inside double quotes; appends "..." if the input was longer.
void quote_input(std::string_view input, char* out, size_t cap) {
  size_t n = 0;
  const size_t shown = input.size() < kMaxVersionLength ? input.size() : kMaxVersionLength;
  for (size_t i = 0; i < shown; ++i) {
    const auto c = static_cast<unsigned char>(input[i]);
    int w;
    if (c == '"' || c == '\\') {
      w = std::snprintf(out + n, cap - n, "\\%c", c);
    } else if (c < 0x20 || c > 0x7e) {
      w = std::snprintf(out + n, cap - n, "\\x%02x", c);
    } else {
      w = std::snprintf(out + n, cap - n, "%c", c);
    }
    n += static_cast<size_t>(w);
  }
  std::snprintf(out + n, cap - n, "%s", input.size() > shown ? "..." : "");
}

}  // namespace

VersionError parse_version(std::string_view text, Version& out) {
  if (text.empty()) return VersionError::Empty;
  if (text.size() > kMaxVersionLength) return VersionError::TooLong;
  VersionError e = check_alphabet(text);
  if (e != VersionError::Ok) return e;

  Version v;
  Cursor c{text};
  e = parse_core(c, v);
  if (e == VersionError::Ok && c.peek() == '-') {
    ++c.pos;
    e = parse_identifiers(c, true, v.pre_off_, v.pre_len_);
  }
  if (e == VersionError::Ok && c.peek() == '+') {
    ++c.pos;
    e = parse_identifiers(c, false, v.build_off_, v.build_len_);
  }
  // The alphabet check leaves only a second '+' as something the lists stop at.
  if (e == VersionError::Ok && !c.at_end()) e = VersionError::BadCharacter;
  if (e != VersionError::Ok) return e;

  std::memcpy(v.text_, text.data(), text.size());
  v.text_[text.size()] = '\0';
  v.text_len_ = static_cast<uint8_t>(text.size());
  out = v;
  return VersionError::Ok;
}

int compare_versions(const Version& a, const Version& b) {
  int c = compare_numbers(a.major, b.major);
  if (c == 0) c = compare_numbers(a.minor, b.minor);
  if (c == 0) c = compare_numbers(a.patch, b.patch);
  if (c == 0) c = compare_prereleases(a.prerelease(), b.prerelease());
  return c;
}

const char* describe(VersionError error) {
  // The TooLong message spells the limit out; keep it in step with the constant.
  static_assert(kMaxVersionLength == 63, "update the TooLong message");
  switch (error) {
    case VersionError::Ok: return "a valid version";
    case VersionError::Empty: return "not a version: empty";
    case VersionError::TooLong: return "not a version: longer than 63 characters";
    case VersionError::Whitespace: return "not a version: contains whitespace";
    case VersionError::BadCharacter:
      return "not a version: only 0-9, A-Z, a-z, '.', '-' and one '+' are allowed";
    case VersionError::MissingPart: return "not a version: expected MAJOR.MINOR.PATCH";
    case VersionError::ExtraPart:
      return "not a version: expected MAJOR.MINOR.PATCH, found more numbers";
    case VersionError::NotANumber:
      return "not a version: MAJOR, MINOR and PATCH must be decimal numbers";
    case VersionError::LeadingZero: return "not a version: numbers must not have leading zeros";
    case VersionError::NumberTooLarge:
      return "not a version: MAJOR, MINOR or PATCH is above 18446744073709551615";
    case VersionError::EmptyIdentifier:
      return "not a version: empty identifier after '-', '+' or '.'";
  }
  return "not a version: unknown error";
}

bool format_version_error(std::string_view input, VersionError error, char* buf, size_t cap) {
  if (buf == nullptr || cap == 0) return false;
  // Worst case every byte becomes "\xNN", plus "..." and the NUL.
  char quoted[kMaxVersionLength * 4 + 4];
  quote_input(input, quoted, sizeof quoted);
  const int n = std::snprintf(buf, cap, "\"%s\" is %s", quoted, describe(error));
  return n >= 0 && static_cast<size_t>(n) < cap;
}

}  // namespace vt132::core
