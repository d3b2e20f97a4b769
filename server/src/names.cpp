#include "names.hpp"

namespace vt132::server {
bool stored_asset_name(std::string_view s) {
  if (valid_asset_name(s)) return true;
  // The earlier rule: letters, digits, '.', '-', '_', '+', '~'; no leading '.', no "..".
  if (s.empty() || s.size() > kMaxAssetNameLength || s.front() == '.') return false;
  if (s.find("..") != std::string_view::npos) return false;
  for (char c : s) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum && c != '.' && c != '-' && c != '_' && c != '+' && c != '~') return false;
  }
  return true;
}

bool valid_text(std::string_view s, size_t max_bytes, bool multiline) {
  if (s.size() > max_bytes) return false;
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      const bool control = c < 0x20 || c == 0x7F;
      if (control && !(multiline && (c == '\t' || c == '\n' || c == '\r'))) return false;
      ++i;
      continue;
    }
    // UTF-8: the lead byte gives the length; reject overlong forms, surrogates and > U+10FFFF.
    size_t len = 0;
    uint32_t cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

std::optional<uint64_t> parse_id(std::string_view s) {
  if (s.empty() || s.size() > 16 || s.front() == '0') return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > kMaxId) return std::nullopt;
  return v;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace vt132::server
