#include "vt132/core/ota/release_scanner.hpp"

#include <cstring>

namespace vt132::core {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_literal_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' || c == '.' || c == 'E';
}
bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool valid_literal(const char* s) {
  if (!std::strcmp(s, "true") || !std::strcmp(s, "false") || !std::strcmp(s, "null")) return true;
  // JSON number: -?digits(.digits)?([eE][+-]?digits)?
  const char* p = s;
  if (*p == '-') ++p;
  if (!(*p >= '0' && *p <= '9')) return false;
  if (*p == '0' && p[1] >= '0' && p[1] <= '9') return false;
  while (*p >= '0' && *p <= '9') ++p;
  if (*p == '.') {
    ++p;
    if (!(*p >= '0' && *p <= '9')) return false;
    while (*p >= '0' && *p <= '9') ++p;
  }
  if (*p == 'e' || *p == 'E') {
    ++p;
    if (*p == '+' || *p == '-') ++p;
    if (!(*p >= '0' && *p <= '9')) return false;
    while (*p >= '0' && *p <= '9') ++p;
  }
  return *p == '\0';
}

}  // namespace

ReleaseScanner::ReleaseScanner(const char* image_asset_name, bool allow_prerelease)
    : image_name_(image_asset_name), allow_prerelease_(allow_prerelease) {}

bool ReleaseScanner::fail(ScanError e) {
  if (error_ == ScanError::Ok) error_ = e;
  return false;
}

bool ReleaseScanner::feed(const char* data, size_t len) {
  for (size_t i = 0; i < len && error_ == ScanError::Ok; ++i) step(data[i]);
  return error_ == ScanError::Ok;
}

ScanError ReleaseScanner::finish() {
  if (error_ != ScanError::Ok) return error_;
  if (state_ == State::Literal && depth_ == 0) end_literal();  // a bare top-level number
  if (state_ != State::Done) return fail(ScanError::Syntax), error_;
  if (has_best_) return ScanError::Ok;
  return release_without_image_ ? ScanError::NoImage : ScanError::NoRelease;
}

bool ReleaseScanner::step(char c) {
  switch (state_) {
    case State::Value:
      if (is_space(c)) return true;
      return start_value(c);
    case State::ValueOrEnd:
      if (is_space(c)) return true;
      if (c == ']') return close(true);
      return start_value(c);
    case State::KeyOrEnd:
      if (is_space(c)) return true;
      if (c == '}') return close(false);
      [[fallthrough]];
    case State::Key:
      if (is_space(c)) return true;
      if (c != '"') return fail(ScanError::Syntax);
      in_key_ = true;
      text_len_ = 0;
      text_overflow_ = false;
      state_ = State::String;
      return true;
    case State::Colon:
      if (is_space(c)) return true;
      if (c != ':') return fail(ScanError::Syntax);
      state_ = State::Value;
      return true;
    case State::String: return string_char(c);
    case State::Literal:
      if (is_literal_char(c)) {
        store_char(c);
        return true;
      }
      if (!end_literal()) return false;
      return step(c);
    case State::AfterValue:
      if (is_space(c)) return true;
      if (c == ',') {
        state_ = is_array_[depth_ - 1] ? State::Value : State::Key;
        return true;
      }
      if (c == '}' || c == ']') return close(c == ']');
      return fail(ScanError::Syntax);
    case State::Done:
      if (is_space(c)) return true;
      return fail(ScanError::Syntax);
  }
  return fail(ScanError::Syntax);
}

bool ReleaseScanner::start_value(char c) {
  if (c == '{' || c == '[') return open(c == '[');
  if (depth_ == 0) return fail(ScanError::Syntax);  // a release document is an object or array
  text_len_ = 0;
  text_overflow_ = false;
  if (c == '"') {
    in_key_ = false;
    state_ = State::String;
    return true;
  }
  if (!is_literal_char(c)) return fail(ScanError::Syntax);
  store_char(c);
  state_ = State::Literal;
  return true;
}

bool ReleaseScanner::open(bool array) {
  if (depth_ == kMaxJsonDepth) return fail(ScanError::TooDeep);
  if (depth_ == 0) release_depth_ = array ? 2 : 1;
  const bool assets = array && field_ == Field::Assets && depth_ == release_depth_;
  is_array_[depth_++] = array;
  if (assets) in_assets_ = true;
  if (!array && depth_ == release_depth_) {
    cur_ = ReleaseInfo{};
    cur_has_tag_ = false;
    cur_draft_ = false;
  }
  if (!array && in_assets_ && depth_ == release_depth_ + 2) {
    asset_ = ReleaseAsset{};
    asset_name_[0] = '\0';
    asset_url_too_long_ = false;
  }
  field_ = Field::None;
  state_ = array ? State::ValueOrEnd : State::KeyOrEnd;
  return true;
}

bool ReleaseScanner::close(bool array) {
  if (depth_ == 0 || is_array_[depth_ - 1] != array) return fail(ScanError::Syntax);
  if (!array && depth_ == release_depth_) finish_release();
  if (!array && in_assets_ && depth_ == release_depth_ + 2 && !finish_asset()) return false;
  if (array && in_assets_ && depth_ == release_depth_ + 1) in_assets_ = false;
  --depth_;
  return end_value();
}

bool ReleaseScanner::end_value() {
  field_ = Field::None;
  state_ = depth_ == 0 ? State::Done : State::AfterValue;
  return true;
}

void ReleaseScanner::store_char(char c) {
  if (text_len_ < kMaxAssetUrl) text_[text_len_++] = c;
  else text_overflow_ = true;
}

bool ReleaseScanner::string_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (escape_ >= 2) {  // \uXXXX: not needed in any field we keep, stored as '?'
    if (!is_hex(c)) return fail(ScanError::Syntax);
    if (++escape_ == 6) {
      escape_ = 0;
      store_char('?');
    }
    return true;
  }
  if (escape_ == 1) {
    escape_ = 0;
    switch (c) {
      case '"': case '\\': case '/': store_char(c); return true;
      case 'b': case 'f': case 'n': case 'r': case 't': store_char('?'); return true;
      case 'u': escape_ = 2; return true;
      default: return fail(ScanError::Syntax);
    }
  }
  if (c == '\\') {
    escape_ = 1;
    return true;
  }
  if (c == '"') return end_string();
  if (u < 0x20) return fail(ScanError::Syntax);
  store_char(c);
  return true;
}

bool ReleaseScanner::end_string() {
  text_[text_len_] = '\0';
  if (in_key_) {
    in_key_ = false;
    on_key();
    state_ = State::Colon;
    return true;
  }
  if (field_ == Field::AssetUrl) asset_url_too_long_ = text_overflow_;
  if (!text_overflow_) {
    switch (field_) {
      case Field::Tag:
        cur_has_tag_ = parse_version(text_, cur_.version) == VersionError::Ok;
        break;
      case Field::AssetName:
        if (text_len_ <= kMaxAssetName) std::memcpy(asset_name_, text_, text_len_ + 1);
        break;
      case Field::AssetUrl:
        std::memcpy(asset_.url, text_, text_len_ + 1);
        asset_.found = true;
        break;
      default: break;
    }
  }
  return end_value();
}

bool ReleaseScanner::end_literal() {
  text_[text_len_] = '\0';
  if (text_overflow_ || !valid_literal(text_)) return fail(ScanError::Syntax);
  const bool is_true = !std::strcmp(text_, "true");
  switch (field_) {
    case Field::Prerelease: cur_.prerelease = is_true; break;
    case Field::Draft: cur_draft_ = is_true; break;
    case Field::AssetSize: {
      uint64_t n = 0;
      bool ok = text_len_ <= 10;
      for (size_t i = 0; ok && i < text_len_; ++i) {
        ok = text_[i] >= '0' && text_[i] <= '9';
        n = n * 10 + static_cast<uint64_t>(text_[i] - '0');
      }
      asset_.size = ok && n <= UINT32_MAX ? static_cast<uint32_t>(n) : UINT32_MAX;
      break;
    }
    default: break;
  }
  return end_value();
}

void ReleaseScanner::on_key() {
  field_ = Field::None;
  if (text_overflow_) return;
  if (depth_ == release_depth_ && !is_array_[depth_ - 1]) {
    if (!std::strcmp(text_, "tag_name")) field_ = Field::Tag;
    else if (!std::strcmp(text_, "prerelease")) field_ = Field::Prerelease;
    else if (!std::strcmp(text_, "draft")) field_ = Field::Draft;
    else if (!std::strcmp(text_, "assets")) field_ = Field::Assets;
  } else if (in_assets_ && depth_ == release_depth_ + 2) {
    if (!std::strcmp(text_, "name")) field_ = Field::AssetName;
    else if (!std::strcmp(text_, "browser_download_url")) field_ = Field::AssetUrl;
    else if (!std::strcmp(text_, "size")) field_ = Field::AssetSize;
  }
}

bool ReleaseScanner::finish_asset() {
  ReleaseAsset* slot = nullptr;
  if (!std::strcmp(asset_name_, image_name_)) slot = &cur_.image;
  else if (!std::strcmp(asset_name_, kManifestAssetName)) slot = &cur_.manifest;
  else if (!std::strcmp(asset_name_, kSignatureAssetName)) slot = &cur_.signature;
  if (!slot) {
    keep_patch_asset();
    return true;
  }
  // Cut short, the URL would fetch something else; skipped, the release would look unsigned.
  if (asset_url_too_long_) return fail(ScanError::TooLong);
  if (asset_.found) *slot = asset_;
  return true;
}

// A patch is only a shortcut: one whose URL is not ".../<name>" or was cut short, or one past
// the third, is skipped and the device installs the full image instead.
void ReleaseScanner::keep_patch_asset() {
  const size_t len = std::strlen(asset_name_);
  const size_t suffix = std::strlen(kPatchAssetSuffix);
  if (len <= suffix || std::strcmp(asset_name_ + len - suffix, kPatchAssetSuffix) != 0) return;
  if (asset_url_too_long_ || !asset_.found || cur_.patch_count == kMaxPatchAssets) return;
  const size_t url_len = std::strlen(asset_.url);
  if (url_len <= len || asset_.url[url_len - len - 1] != '/' || std::strcmp(asset_.url + url_len - len, asset_name_) != 0) {
    return;
  }
  std::memcpy(cur_.patch_names[cur_.patch_count++], asset_name_, len + 1);
}

void ReleaseScanner::finish_release() {
  if (!cur_has_tag_ || cur_draft_) return;
  if (cur_.prerelease && !allow_prerelease_) return;
  if (!cur_.image.found) {
    release_without_image_ = true;
    return;
  }
  if (has_best_ && compare_versions(cur_.version, best_.version) <= 0) return;
  best_ = cur_;
  has_best_ = true;
}

}  // namespace vt132::core
