#include "vt132/host/checksums_file.hpp"

#include <algorithm>

namespace vt132::host {

std::string checksum_line(std::string_view sha256_hex, std::string_view name) {
  std::string line;
  line.reserve(sha256_hex.size() + 2 + name.size() + 1);
  line.append(sha256_hex).append("  ").append(name).append("\n");
  return line;
}

namespace {

// The name a line lists: what follows the first two spaces ("" when there are none).
std::string_view listed_name(std::string_view line) {
  const size_t sep = line.find("  ");
  return sep == std::string_view::npos ? std::string_view() : line.substr(sep + 2);
}

}  // namespace

std::string with_checksums(std::string_view old, const std::vector<std::pair<std::string, std::string>>& updates) {
  std::string out;
  out.reserve(old.size() + updates.size() * 80);
  std::vector<bool> seen(updates.size(), false);
  size_t start = 0;
  while (start < old.size()) {
    const size_t end = std::min(old.find('\n', start), old.size());
    const std::string_view line = old.substr(start, end - start);
    const std::string_view name = listed_name(line);
    size_t i = 0;
    while (i < updates.size() && updates[i].first != name) ++i;
    if (i < updates.size()) {
      out += checksum_line(updates[i].second, name);
      seen[i] = true;
    } else {
      out.append(line).append("\n");
    }
    start = end + 1;
  }
  for (size_t i = 0; i < updates.size(); ++i) {
    if (!seen[i]) out += checksum_line(updates[i].second, updates[i].first);
  }
  return out;
}

}  // namespace vt132::host
