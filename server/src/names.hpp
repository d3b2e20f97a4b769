#pragma once
// What a request may name: owners, repositories, tags, asset names, labels and ids.
//
// Nothing a client sends is used as a file name: the store names files by the numeric ids it
// hands out. These checks keep the names we do accept to the characters GitHub itself
// allows, so that URLs, JSON and HTML built from them stay plain, and so a bad name gets a
// clear 404/422 instead of reaching deeper code. Self-contained (std only) so the fuzz target
// can compile it directly.
#include <cstdint>
#include <optional>
#include <string_view>

namespace vt132::server {

constexpr size_t kMaxOwnerLength = 39;    // GitHub's limit for a login
constexpr size_t kMaxRepoLength = 100;
constexpr size_t kMaxTagLength = 100;
constexpr size_t kMaxAssetNameLength = 255;
constexpr size_t kMaxLabelLength = 255;
constexpr size_t kMaxReleaseNameLength = 255;
constexpr size_t kMaxReleaseBodyLength = 125000;  // GitHub's limit for release notes
constexpr uint64_t kMaxId = (uint64_t{1} << 53) - 1;  // ids stay exact in JSON doubles

// Letters, digits and single inner hyphens ("octo-cat"), 1..39 characters.
bool valid_owner(std::string_view s);
// Letters, digits, '.', '-', '_', 1..100 characters; not "." or "..".
bool valid_repo(std::string_view s);
// A tag we can put in a URL path segment: letters, digits, '.', '-', '_', '+';
// 1..100 characters; no leading '.' or '-', no "..", not ending in '.' or ".lock".
bool valid_tag(std::string_view s);
// An asset file name: letters, digits, '.', '-', '_', '+', '~'; 1..255 characters; no
// leading '.' and no "..".
bool valid_asset_name(std::string_view s);
// Free text for labels, release names and notes: valid UTF-8 without control characters
// (tab, CR and LF allowed when multiline), at most max_bytes bytes.
bool valid_text(std::string_view s, size_t max_bytes, bool multiline);
// A decimal id: digits only, no leading zero, 1..kMaxId.
std::optional<uint64_t> parse_id(std::string_view s);

}  // namespace vt132::server
