#pragma once
// GitHub's names for owners, repositories, tags and release assets: the one rule that both
// `vt132-release create/publish` and `vt132-ota-server` check, so a name one accepts the
// other accepts too. Self-contained (std only), so fuzz targets can compile it directly.
//
// Asset names are stored the way GitHub stores them: its upload docs say it "renames asset
// filenames that have special characters, non-alphanumeric characters, and leading or
// trailing periods"; as observed on github.com, each such character becomes '.', so
// "My File (x64).zip" is listed as "My.File.x64.zip" (runs of '.' collapse to one). The
// normalised form has no '/', '\', leading '.' or "..": it cannot name another directory.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vt132::host::names {

constexpr size_t kMaxOwnerLength = 39;  // GitHub's limit for a login
constexpr size_t kMaxRepoLength = 100;
constexpr size_t kMaxTagLength = 100;
constexpr size_t kMaxAssetNameLength = 255;

// Letters, digits and single inner hyphens ("octo-cat"), 1..39 characters.
bool valid_owner(std::string_view s);
// Letters, digits, '.', '-', '_', 1..100 characters; not "." or "..".
bool valid_repo(std::string_view s);
// "OWNER/NAME" with both parts valid.
bool valid_full_name(std::string_view s);
// A tag we can put in a URL path segment: letters, digits, '.', '-', '_', '+';
// 1..100 characters; no leading '.' or '-', no "..", not ending in '.' or ".lock".
bool valid_tag(std::string_view s);
// An asset name as GitHub stores it: letters, digits, '.', '-', '_', '+'; 1..255
// characters; no leading or trailing '.', no "..". normalize_asset_name's results.
bool valid_asset_name(std::string_view s);
// The name GitHub would store for an upload named `s` (see above), or nullopt when nothing
// is left (".", "()") or it is longer than kMaxAssetNameLength.
std::optional<std::string> normalize_asset_name(std::string_view s);

}  // namespace vt132::host::names
