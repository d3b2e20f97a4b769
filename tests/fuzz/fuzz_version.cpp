// Fuzzes parse_version() with arbitrary bytes and checks the invariants callers rely on:
// a parsed version equals itself, survives a round trip through text(), and any two parsed
// versions order antisymmetrically and transitively.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "vt132/core/version.hpp"

using vt132::core::compare_versions;
using vt132::core::format_version_error;
using vt132::core::parse_version;
using vt132::core::Version;
using vt132::core::VersionError;

namespace {

void require(bool ok) {
  if (!ok) __builtin_trap();
}

int sign(int x) { return (x > 0) - (x < 0); }

// Accessors stay inside the stored text and agree with each other.
void check_accessors(const Version& v) {
  const std::string_view text = v.text();
  require(text.size() <= vt132::core::kMaxVersionLength);
  require(v.c_str()[text.size()] == '\0');
  for (std::string_view part : {v.prerelease(), v.build()}) {
    require(part.empty() || (part.data() >= text.data() &&
                             part.data() + part.size() <= text.data() + text.size()));
  }
  require(v.is_prerelease() == !v.prerelease().empty());
}

void check_single(std::string_view input, const Version& v) {
  require(v.text() == input);
  check_accessors(v);
  require(compare_versions(v, v) == 0);

  Version again;
  require(parse_version(v.text(), again) == VersionError::Ok);
  require(compare_versions(v, again) == 0);
  require(again.text() == v.text() && again.prerelease() == v.prerelease() &&
          again.build() == v.build());

  // Without the prefix it is the same version.
  if (v.has_prefix()) {
    Version bare;
    require(parse_version(v.text().substr(1), bare) == VersionError::Ok);
    require(compare_versions(v, bare) == 0 && !bare.has_prefix());
  }
}

bool parse_part(std::string_view input, Version& v) {
  return parse_version(input, v) == VersionError::Ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  Version v;
  const VersionError e = parse_version(input, v);
  if (e == VersionError::Ok) check_single(input, v);

  // The message must always fit a generous buffer and be NUL-terminated in a tight one.
  char message[512];
  require(format_version_error(input, e, message, sizeof message));
  char tight[16];
  format_version_error(input, e, tight, sizeof tight);
  require(std::memchr(tight, '\0', sizeof tight) != nullptr);

  // Two halves: antisymmetric.
  const size_t half = size / 2;
  Version a, b;
  if (parse_part(input.substr(0, half), a) && parse_part(input.substr(half), b)) {
    require(compare_versions(a, b) == -compare_versions(b, a));
  }

  // Three thirds: each pair antisymmetric, and the order transitive.
  const size_t third = size / 3;
  Version p[3];
  const bool ok[3] = {parse_part(input.substr(0, third), p[0]),
                      parse_part(input.substr(third, third), p[1]),
                      parse_part(input.substr(2 * third), p[2])};
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      if (ok[i] && ok[j]) require(compare_versions(p[i], p[j]) == -compare_versions(p[j], p[i]));
    }
  }
  if (ok[0] && ok[1] && ok[2]) {
    const int ab = sign(compare_versions(p[0], p[1]));
    const int bc = sign(compare_versions(p[1], p[2]));
    if (ab == bc) require(sign(compare_versions(p[0], p[2])) == ab);
  }
  return 0;
}
