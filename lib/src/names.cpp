#include "vt132/host/names.hpp"

namespace vt132::host::names {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// The characters an asset name keeps; everything else becomes '.'.
bool asset_char(char c) { return is_alnum(c) || c == '.' || c == '-' || c == '_' || c == '+'; }

}  // namespace

bool valid_owner(std::string_view s) {
  if (s.empty() || s.size() > kMaxOwnerLength || s.front() == '-' || s.back() == '-') return false;
  char prev = 0;
  for (char c : s) {
    if (!is_alnum(c) && c != '-') return false;
    if (c == '-' && prev == '-') return false;
    prev = c;
  }
  return true;
}

bool valid_repo(std::string_view s) {
  if (s.empty() || s.size() > kMaxRepoLength || s == "." || s == "..") return false;
  for (char c : s) {
    if (!is_alnum(c) && c != '.' && c != '-' && c != '_') return false;
  }
  return true;
}

bool valid_full_name(std::string_view s) {
  const size_t slash = s.find('/');
  return slash != std::string_view::npos && valid_owner(s.substr(0, slash)) && valid_repo(s.substr(slash + 1));
}

bool valid_tag(std::string_view s) {
  if (s.empty() || s.size() > kMaxTagLength) return false;
  if (s.front() == '.' || s.front() == '-' || s.back() == '.' || ends_with(s, ".lock")) return false;
  if (s.find("..") != std::string_view::npos) return false;
  for (char c : s) {
    if (!is_alnum(c) && c != '.' && c != '-' && c != '_' && c != '+') return false;
  }
  return true;
}

bool valid_asset_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxAssetNameLength || s.front() == '.' || s.back() == '.') return false;
  if (s.find("..") != std::string_view::npos) return false;
  for (char c : s) {
    if (!asset_char(c)) return false;
  }
  return true;
}

std::optional<std::string> normalize_asset_name(std::string_view s) {
  std::string out;
  out.reserve(s.size() < kMaxAssetNameLength ? s.size() : kMaxAssetNameLength);
  for (char c : s) {
    const char kept = asset_char(c) ? c : '.';
    if (kept == '.' && (out.empty() || out.back() == '.')) continue;  // leading and repeated '.'
    out += kept;
    if (out.size() > kMaxAssetNameLength + 1) return std::nullopt;  // too long whatever follows
  }
  while (!out.empty() && out.back() == '.') out.pop_back();
  if (!valid_asset_name(out)) return std::nullopt;
  return out;
}

}  // namespace vt132::host::names
