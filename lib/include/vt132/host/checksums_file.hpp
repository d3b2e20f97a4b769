#pragma once
// SHA256SUMS, the file `sha256sum -c` checks: one "<64 hex>  <name>" line per asset. Written by
// `create`, rewritten by `renew` from a copy downloaded from the server (untrusted text, so
// the rewrite below keeps every other line byte for byte and never fails). Self-contained
// (std only) for the fuzz target.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vt132::host {

// One line: digest, two spaces (sha256sum's text mode), name, newline.
std::string checksum_line(std::string_view sha256_hex, std::string_view name);

// `old` with the line of each named file given its new digest; every other line stays as it
// was (a last line without a newline gets one), and a name no line carries is appended.
// `updates` are (name, sha256 hex) pairs.
std::string with_checksums(std::string_view old, const std::vector<std::pair<std::string, std::string>>& updates);

}  // namespace vt132::host
