#pragma once
// Semantic versions (semver 2.0) as VT132 releases spell them: "V1.3.0-beta.1", "1.7.0",
// "1.0.0+build.5". One optional 'V' or 'v' prefix is accepted and ignored for ordering,
// because release tags carry it and image version fields may not.
//
// A Version keeps its own copy of the text, so it stays valid after the input is gone and
// needs no heap: the device parses the version of an image it is downloading with it.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vt132::core {

// Longest accepted version text. The app image's version field holds 31 characters; release
// tags may be longer, so the bound is wider but still small enough to keep on the stack.
constexpr size_t kMaxVersionLength = 63;
static_assert(kMaxVersionLength <= 255, "Version stores offsets in uint8_t");

enum class VersionError {
  Ok,
  Empty,            // ""
  TooLong,          // more than kMaxVersionLength characters
  Whitespace,       // any space, tab or line break, e.g. a tag pasted with a newline
  BadCharacter,     // outside 0-9 A-Z a-z . - +, or a second '+'
  MissingPart,      // "1.2", "V", "1..3": MAJOR.MINOR.PATCH not all there
  ExtraPart,        // "1.2.3.4"
  NotANumber,       // "VV1.0.0", "1.x.0", "1.2.3a": letters where a number belongs
  LeadingZero,      // "01.2.3", "1.2.3-01"
  NumberTooLarge,   // MAJOR, MINOR or PATCH above UINT64_MAX
  EmptyIdentifier,  // "1.2.3-", "1.2.3-beta..1", "1.2.3+"
};

// A parsed version. Build it with parse_version(); a default-constructed one is 0.0.0 with
// empty text.
struct Version {
  uint64_t major = 0;
  uint64_t minor = 0;
  uint64_t patch = 0;

  // The text as parsed, prefix and build metadata included; also NUL-terminated (c_str()).
  std::string_view text() const { return {text_, text_len_}; }
  const char* c_str() const { return text_; }
  // Dot-separated identifiers after '-' / '+', without that separator; empty if absent.
  std::string_view prerelease() const { return {text_ + pre_off_, pre_len_}; }
  std::string_view build() const { return {text_ + build_off_, build_len_}; }
  bool is_prerelease() const { return pre_len_ != 0; }
  bool has_prefix() const { return text_[0] == 'V' || text_[0] == 'v'; }

 private:
  friend VersionError parse_version(std::string_view text, Version& out);

  // Offsets rather than pointers so that copying a Version keeps it valid.
  char text_[kMaxVersionLength + 1] = {};
  uint8_t text_len_ = 0;
  uint8_t pre_off_ = 0;
  uint8_t pre_len_ = 0;
  uint8_t build_off_ = 0;
  uint8_t build_len_ = 0;
};

// Strict semver 2.0 with an optional 'V'/'v' prefix: MAJOR.MINOR.PATCH, then optionally
// "-prerelease" and "+build". No surrounding whitespace, nothing trailing. `out` is written
// only on success.
VersionError parse_version(std::string_view text, Version& out);

// Semver precedence: -1, 0 or 1. The prefix and build metadata do not take part, so
// "V1.0.0" and "1.0.0+build.5" compare equal; callers that also care about those compare
// has_prefix() / build() themselves.
int compare_versions(const Version& a, const Version& b);

// Short user-facing message, e.g. "not a version: expected MAJOR.MINOR.PATCH".
const char* describe(VersionError error);

// Writes e.g. "\"V1.7\" is not a version: expected MAJOR.MINOR.PATCH" into buf. The input is
// quoted with non-printable bytes escaped and is cut after kMaxVersionLength characters.
// Returns false if cap was too small (the text is then truncated, still NUL-terminated).
bool format_version_error(std::string_view input, VersionError error, char* buf, size_t cap);

}  // namespace vt132::core
